import Foundation

/// An immutable release vN of an app: the images, config and formation that run together.
/// Rolling back means running an old release's contents again, without a rebuild.
public struct Release: Sendable, Codable, Equatable {
    public var app: AppName
    public var version: Int
    public var traceId: String
    public var createdAt: Date
    public var source: SourceInfo
    public var services: [ReleasedService]
    /// The service `APP.DOMAIN` routes to.
    public var defaultService: String?
    /// What made it: "Deploy 1a2b3c4", "Rollback to v3".
    public var description: String?
    /// Who asked for it (the CLI sends the local user name; "api" otherwise).
    public var createdBy: String?
    /// Config vars: environment variables of every process of the app, over the manifest's `env`.
    /// Set with `slipway config set`; carried from release to release.
    public var config: [String: String]?
    /// Config keys whose values are secrets: encrypted at rest, never shown, masked in logs.
    public var secretKeys: [String]?
    /// The release phase command (e.g. migrations), run once before the replicas change.
    public var releaseCommand: [String]?
    /// Scheduled jobs (`cron:` in slipway.yaml), run as one-off containers of this release while it is current.
    public var cronJobs: [CronJobSpec]?
    /// Config files (`slipway config files`): mount path -> file name -> contents, mounted
    /// read-only into every process.
    public var files: [String: [String: Data]]?

    public init(app: AppName, version: Int, traceId: String, createdAt: Date, source: SourceInfo,
                services: [ReleasedService], defaultService: String?, description: String? = nil, createdBy: String? = nil) {
        self.description = description
        self.createdBy = createdBy
        self.app = app
        self.version = version
        self.traceId = traceId
        self.createdAt = createdAt
        self.source = source
        self.services = services
        self.defaultService = defaultService
    }

    public var label: String { "v\(version)" }

    /// The services in an order that starts every service after those it depends on.
    /// The manifest parser rejects cycles, so every service appears exactly once.
    public var servicesInStartOrder: [ReleasedService] {
        var ordered: [ReleasedService] = []
        var placed = Set<String>()
        var remaining = services
        while !remaining.isEmpty {
            let ready = remaining.filter { ($0.dependsOn ?? []).allSatisfy { placed.contains($0) || !services.map(\.name).contains($0) } }
            let next = ready.isEmpty ? remaining : ready  // a cycle cannot happen; never loop forever
            for service in next { ordered.append(service); placed.insert(service.name) }
            remaining.removeAll { placed.contains($0.name) }
        }
        return ordered
    }
}

@dynamicMemberLookup
public struct ReleasedService: Sendable, Equatable {
    public var name: String
    /// The engine's image id (`sha256:...`): pinned, so a later build cannot change a release.
    public var image: String
    public var port: Int
    public var replicas: Int
    public var env: [String: String]
    public var command: [String]?
    public var health: HealthCheck?
    public var rollout: RolloutPolicy?
    /// nil means routed (releases made before process types existed).
    public var routed: Bool?
    /// Services that must be ready before this one starts.
    public var dependsOn: [String]?
    /// Named volumes: volume name -> mount path.
    public var volumes: [String: String]?
    /// The manifest's resources, autoscaling, placement, volume sizes and security context, as
    /// the service had them (`ServiceSpec.settings`); read as properties (`service.resources`).
    public var settings = ServiceSettings()

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<ServiceSettings, Value>) -> Value {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init(name: String, image: String, port: Int, replicas: Int, env: [String: String], command: [String]?,
                health: HealthCheck? = nil, rollout: RolloutPolicy? = nil, routed: Bool = true,
                dependsOn: [String] = [], volumes: [String: String] = [:]) {
        self.routed = routed
        self.dependsOn = dependsOn.isEmpty ? nil : dependsOn
        self.volumes = volumes.isEmpty ? nil : volumes
        self.name = name
        self.image = image
        self.port = port
        self.replicas = replicas
        self.env = env
        self.command = command
        self.health = health
        self.rollout = rollout
    }

    public var healthCheck: HealthCheck { health ?? .tcp }
    /// Whether the router sends it traffic; unrouted processes (workers) publish no port.
    public var isRouted: Bool { routed ?? true }
    public var rolloutPolicy: RolloutPolicy { rollout ?? .standard }
}

/// Where a deploy's source came from.
public struct SourceInfo: Sendable, Codable, Equatable {
    /// `push`: a commit pushed to the server's own git remote (`/git/APP.git`); `url` is that remote.
    public enum Kind: String, Sendable, Codable { case git, upload, push }
    public var kind: Kind
    /// The git URL or local path as given (for a push, the remote pushed to); nil for an upload.
    public var url: String?
    public var ref: String?
    /// The commit that was built, when the source was a git repository.
    public var commit: String?

    public init(kind: Kind, url: String? = nil, ref: String? = nil, commit: String? = nil) {
        self.kind = kind
        self.url = url
        self.ref = ref
        self.commit = commit
    }
}
