import Foundation

// The JSON shapes of the HTTP API, shared by the server, the typed client and the tests.
// Field names are the API contract (see Sources/SlipwayServer/Resources/openapi.yaml).

public struct DeployRequest: Codable, Sendable {
    /// A git URL (`https://`, `ssh://`, `file://`, `git@host:path`) or a path on the server.
    public var source: String
    public var ref: String?
    public init(source: String, ref: String? = nil) {
        self.source = source
        self.ref = ref
    }
}

public struct TraceResponse: Codable, Sendable {
    public var traceId: String
    public init(traceId: String) { self.traceId = traceId }
}

public struct StageView: Codable, Sendable, Equatable {
    public var name: String
    public var status: StageStatus
    public var startedAt: Date?
    public var finishedAt: Date?
    public var message: String?
    public init(name: String, status: StageStatus, startedAt: Date? = nil, finishedAt: Date? = nil, message: String? = nil) {
        self.name = name
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.message = message
    }
}

public struct DeployView: Codable, Sendable {
    public var traceId: String
    /// The app the deploy was requested for.
    public var app: String
    /// Every app the deploy releases (more than one for a RAD config.json with several applications).
    public var apps: [String]
    public var status: DeployStatus
    public var stages: [StageView]
    public var createdAt: Date
    public var finishedAt: Date?
    public var totalSeconds: Double?
    /// The release version this deploy created, once it did.
    public var release: Int?
    /// Why the deploy failed: the failing stage and its reason.
    public var error: String?
    public var source: SourceInfo

    public init(traceId: String, app: String, apps: [String], status: DeployStatus, stages: [StageView], createdAt: Date,
                finishedAt: Date?, totalSeconds: Double?, release: Int?, error: String?, source: SourceInfo) {
        self.traceId = traceId
        self.app = app
        self.apps = apps
        self.status = status
        self.stages = stages
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.totalSeconds = totalSeconds
        self.release = release
        self.error = error
        self.source = source
    }
}

public struct ReplicaView: Codable, Sendable {
    public var service: String
    public var index: Int
    public var release: Int
    public var containerId: String
    public var state: String
    public var ready: Bool
    public var hostPort: Int?
    /// Times the reconciler restarted this replica slot (crashes, failed health checks).
    public var restarts: Int
    public var startedAt: Date?
    /// The node a Kubernetes pod runs on (`containerId` is then the pod's name); nil on the local engine.
    public var node: String?
    /// What the container may use, e.g. "memory 512Mi, cpu shares 1024, pids 1024" (local engine).
    public var limits: String?
    /// CPU over the last 10 s (100 = one core) and memory in use, from the server's metrics
    /// history; nil until the replica has been read (twice for CPU).
    public var cpuPercent: Double?
    public var memoryBytes: UInt64?
    public init(service: String, index: Int, release: Int, containerId: String, state: String, ready: Bool, hostPort: Int?,
                restarts: Int = 0, startedAt: Date? = nil, node: String? = nil) {
        self.node = node
        self.service = service
        self.index = index
        self.release = release
        self.containerId = containerId
        self.state = state
        self.ready = ready
        self.hostPort = hostPort
        self.restarts = restarts
        self.startedAt = startedAt
    }
}

public struct ServiceView: Codable, Sendable {
    public var name: String
    public var url: String
    public var port: Int
    public var replicas: Int
    public var readyReplicas: Int
    public var instances: [ReplicaView]
    public init(name: String, url: String, port: Int, replicas: Int, readyReplicas: Int, instances: [ReplicaView]) {
        self.name = name
        self.url = url
        self.port = port
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.instances = instances
    }
}

public struct AppView: Codable, Sendable {
    public var name: String
    public var url: String
    public var createdAt: Date
    public var currentRelease: Int?
    public var services: [ServiceView]
    /// The custom hosts routed to the app (`slipway domains add`), with their URLs; nil from older servers.
    public var domains: [DomainView]?
    /// Set while the app is in maintenance mode (the router answers 503 with a page).
    public var maintenance: MaintenanceView?
    /// The app's latest deploy (queued, running or finished); nil before any, and from older servers.
    public var lastDeploy: DeployView?
    public init(name: String, url: String, createdAt: Date, currentRelease: Int?, services: [ServiceView],
                domains: [DomainView]? = nil, maintenance: MaintenanceView? = nil, lastDeploy: DeployView? = nil) {
        self.name = name
        self.url = url
        self.createdAt = createdAt
        self.currentRelease = currentRelease
        self.services = services
        self.domains = domains
        self.maintenance = maintenance
        self.lastDeploy = lastDeploy
    }
}

public struct ReleaseView: Codable, Sendable {
    public var app: String
    public var version: Int
    public var traceId: String
    public var createdAt: Date
    public var source: SourceInfo
    public var services: [ReleasedService]
    public var defaultService: String?
    public var description: String?
    public var createdBy: String?
    /// Secret values show as `[redacted]`.
    public var config: [String: String]?
    public var secretKeys: [String]?
    public var releaseCommand: [String]?
    public var cronJobs: [CronJobSpec]?
    /// Config files: mount path -> file names (with sizes at `GET /v1/apps/{app}/files`).
    public var files: [String: [String]]?
    public var current: Bool
    public init(release: Release, current: Bool) {
        files = release.files?.mapValues { $0.keys.sorted() }
        config = release.config.map { Secrets.redact($0, secretKeys: release.secretKeys ?? []) }
        secretKeys = release.secretKeys
        releaseCommand = release.releaseCommand
        cronJobs = release.cronJobs
        defaultService = release.defaultService
        description = release.description
        createdBy = release.createdBy
        app = release.app.value
        version = release.version
        traceId = release.traceId
        createdAt = release.createdAt
        source = release.source
        services = release.services
        self.current = current
    }
}

public struct ReplicaList: Codable, Sendable {
    public var replicas: [ReplicaView]
    public init(replicas: [ReplicaView]) { self.replicas = replicas }
}

/// `POST /v1/apps/{app}/rollback`: `to` is a release version; without it, the release before the current one.
public struct RollbackRequest: Codable, Sendable {
    public var to: Int?
    public init(to: Int? = nil) { self.to = to }
}

/// `PATCH /v1/apps/{app}/config`.
public struct ConfigChangeRequest: Codable, Sendable {
    public var set: [String: String]?
    public var unset: [String]?
    /// Keys of `set` to keep as secrets (encrypted at rest, never shown, masked in logs).
    public var secret: [String]?
    public init(set: [String: String]? = nil, unset: [String]? = nil, secret: [String]? = nil) {
        self.set = set
        self.unset = unset
        self.secret = secret
    }
}

/// `GET /v1/apps/{app}/config`.
public struct ConfigView: Codable, Sendable {
    public var app: String
    public var release: Int?
    /// Secret values show as `[redacted]`.
    public var config: [String: String]
    public var secretKeys: [String]
    public init(app: String, release: Int?, config: [String: String], secretKeys: [String] = []) {
        self.app = app
        self.release = release
        self.config = Secrets.redact(config, secretKeys: secretKeys)
        self.secretKeys = secretKeys
    }
}

public struct AppList: Codable, Sendable {
    public var apps: [AppView]
    public init(apps: [AppView]) { self.apps = apps }
}

public struct ReleaseList: Codable, Sendable {
    public var releases: [ReleaseView]
    public init(releases: [ReleaseView]) { self.releases = releases }
}

/// `POST /v1/apps/{app}/run`: a one-off command in a container from the current release.
public struct RunRequest: Codable, Sendable, Equatable {
    public var command: [String]
    /// Given to the command as its standard input (base64 in JSON), then closed.
    public var stdin: Data?
    /// The service whose image and settings to use; default: the app's routed (default) service.
    public var service: String?

    public init(command: [String], stdin: Data? = nil, service: String? = nil) {
        self.command = command
        self.stdin = stdin
        self.service = service
    }
}

/// One line of the `run` response (newline-delimited JSON): output, or, last, the exit code.
public struct RunEvent: Codable, Sendable, Equatable {
    /// "stdout" or "stderr" for output lines.
    public var stream: String?
    public var text: String?
    public var exitCode: Int?
    /// Set instead of an exit code when the command could not run.
    public var error: String?

    public init(stream: String? = nil, text: String? = nil, exitCode: Int? = nil, error: String? = nil) {
        self.stream = stream
        self.text = text
        self.exitCode = exitCode
        self.error = error
    }
}

/// `POST /v1/secrets/rotate-key`: every stored secret re-encrypted under a new master key.
public struct KeyRotationResult: Codable, Sendable, Equatable {
    /// Secret values re-encrypted (each stored copy counts: a value kept by five releases counts five).
    public var secrets: Int
    /// Releases and deploys (config changes) that hold them.
    public var records: Int
    /// Where the new key now is (back it up with the data directory; the old one is gone).
    public var keyFile: String
    /// An earlier rotation had been cut off (the server was killed) and this one completed it.
    public var completedInterrupted: Bool
    public init(secrets: Int, records: Int, keyFile: String, completedInterrupted: Bool = false) {
        (self.secrets, self.records, self.keyFile, self.completedInterrupted) = (secrets, records, keyFile, completedInterrupted)
    }
}
