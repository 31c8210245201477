import Foundation

// Values the client hands out. They carry only what callers use; the wire shapes they are
// decoded from live in WireModels.swift. Public initialisers let callers build fakes in tests.

/// `GET /version`.
public struct DockerVersion: Sendable, Equatable {
    /// The engine's version ("4.3.1" for Podman, "27.3.1" for Docker).
    public var version: String
    /// The highest API version the engine speaks ("1.41", "1.47").
    public var apiVersion: String

    public init(version: String, apiVersion: String) {
        self.version = version
        self.apiVersion = apiVersion
    }
}

/// What to run: the subset of `POST /containers/create` that deployments need.
/// Resource and privilege limits of a container (`docker run --memory --cpu-shares --pids-limit
/// --security-opt no-new-privileges --cap-drop --log-opt max-size`).
public struct ContainerLimits: Sendable, Equatable {
    /// Memory and memory+swap in bytes (equal: no swap beyond the limit); the kernel's OOM
    /// killer ends the container past it.
    public var memoryBytes: Int64?
    /// Relative CPU weight under contention (1024 is one normal share).
    public var cpuShares: Int?
    public var pidsLimit: Int?
    /// setuid binaries cannot raise privileges.
    public var noNewPrivileges: Bool
    /// Capabilities removed from the engine's default set (e.g. NET_RAW: no raw sockets, no ARP spoofing).
    public var dropCapabilities: [String]
    /// The engine's log file of the container rotates at this size (`10m`), keeping `logMaxFiles`.
    public var logMaxSize: String?
    public var logMaxFiles: Int?

    public init(memoryBytes: Int64? = nil, cpuShares: Int? = nil, pidsLimit: Int? = nil, noNewPrivileges: Bool = false,
                dropCapabilities: [String] = [], logMaxSize: String? = nil, logMaxFiles: Int? = nil) {
        self.memoryBytes = memoryBytes
        self.cpuShares = cpuShares
        self.pidsLimit = pidsLimit
        self.noNewPrivileges = noNewPrivileges
        self.dropCapabilities = dropCapabilities
        self.logMaxSize = logMaxSize
        self.logMaxFiles = logMaxFiles
    }

    public static let none = ContainerLimits()
}

public struct ContainerSpec: Sendable, Equatable {
    public var image: String
    /// Overrides the image's CMD; nil keeps it.
    public var command: [String]?
    public var environment: [String: String]
    public var labels: [String: String]
    /// Container TCP ports published on `hostIP` with a host port the engine picks.
    public var publishedPorts: [Int]
    public var hostIP: String
    /// Runs a tiny init as PID 1 so signals reach the app and zombies are reaped
    /// (busybox httpd as PID 1 ignores SIGTERM, for example).
    public var useInit: Bool
    /// Seconds between SIGTERM and SIGKILL when the container is stopped; nil keeps the engine default (10).
    public var stopTimeoutSeconds: Int?
    public var workingDirectory: String?
    /// Volumes and host directories to mount, as `docker run -v` takes them:
    /// "NAME:/path", "/host/dir:/path:ro".
    public var binds: [String]
    /// Keeps stdin open so a client can attach and write to it (`docker run -i`).
    public var openStdin: Bool
    /// What the container may use and do; `.none` leaves the engine's defaults.
    public var limits: ContainerLimits = .none
    /// The network the container joins (`docker run --network`); nil: the engine's default one.
    public var network: String?
    /// More names the container answers to on `network` (`docker run --network-alias`).
    public var networkAliases: [String] = []
    /// Gives the process a terminal (`docker run -t`): its output is then one raw stream.
    public var tty = false

    public init(
        image: String,
        command: [String]? = nil,
        environment: [String: String] = [:],
        labels: [String: String] = [:],
        publishedPorts: [Int] = [],
        hostIP: String = "127.0.0.1",
        useInit: Bool = true,
        stopTimeoutSeconds: Int? = nil,
        workingDirectory: String? = nil,
        binds: [String] = [],
        openStdin: Bool = false,
        limits: ContainerLimits = .none
    ) {
        self.limits = limits
        self.binds = binds
        self.openStdin = openStdin
        self.image = image
        self.command = command
        self.environment = environment
        self.labels = labels
        self.publishedPorts = publishedPorts
        self.hostIP = hostIP
        self.useInit = useInit
        self.stopTimeoutSeconds = stopTimeoutSeconds
        self.workingDirectory = workingDirectory
    }
}

/// `GET /containers/{id}/json`.
public struct ContainerDetails: Sendable, Equatable {
    public var id: String
    /// Without Docker's leading "/".
    public var name: String
    /// The image reference the container was created from (as given, e.g. "busybox").
    public var image: String
    /// The resolved image id ("sha256:...").
    public var imageID: String
    public var labels: [String: String]
    public var state: ContainerState
    /// Container TCP port -> host port, for published ports that are bound (running containers).
    public var hostPorts: [Int: Int]
    public var createdAt: Date?
    /// Whether the container has a TTY; its logs are then a raw stream, not multiplexed.
    public var tty: Bool

    public init(
        id: String, name: String, image: String, imageID: String = "", labels: [String: String],
        state: ContainerState, hostPorts: [Int: Int], createdAt: Date?, tty: Bool = false
    ) {
        self.id = id
        self.name = name
        self.image = image
        self.imageID = imageID
        self.labels = labels
        self.state = state
        self.hostPorts = hostPorts
        self.createdAt = createdAt
        self.tty = tty
    }
}

public struct ContainerState: Sendable, Equatable {
    /// "created", "running", "paused", "restarting", "removing", "exited", "dead" (Podman may also say "configured", "stopped").
    public var status: String
    public var running: Bool
    public var exitCode: Int
    public var oomKilled: Bool
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The engine's reason when the container could not start; empty otherwise.
    public var error: String

    public init(
        status: String, running: Bool, exitCode: Int, oomKilled: Bool,
        startedAt: Date?, finishedAt: Date?, error: String
    ) {
        self.status = status
        self.running = running
        self.exitCode = exitCode
        self.oomKilled = oomKilled
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }
}

/// One entry of `GET /containers/json`.
public struct ContainerSummary: Sendable, Equatable {
    public var id: String
    /// Without Docker's leading "/".
    public var names: [String]
    public var image: String
    public var labels: [String: String]
    /// "running", "exited", "created"...
    public var state: String
    /// Human text such as "Up 2 minutes" or "Exited (0) 3 seconds ago".
    public var status: String
    public var created: Date?

    public init(
        id: String, names: [String], image: String, labels: [String: String],
        state: String, status: String, created: Date?
    ) {
        self.id = id
        self.names = names
        self.image = image
        self.labels = labels
        self.state = state
        self.status = status
        self.created = created
    }
}

/// `GET /images/{name}/json`.
public struct ImageDetails: Sendable, Equatable {
    /// "sha256:..."
    public var id: String
    public var repoTags: [String]
    /// TCP ports from the image's EXPOSE instructions, sorted.
    public var exposedPorts: [Int]
    public var labels: [String: String]
    public var created: Date?

    public init(id: String, repoTags: [String], exposedPorts: [Int], labels: [String: String] = [:], created: Date?) {
        self.id = id
        self.repoTags = repoTags
        self.exposedPorts = exposedPorts
        self.labels = labels
        self.created = created
    }
}

/// One line of a container's output, without its trailing newline.
public struct LogLine: Sendable, Equatable {
    public enum Stream: String, Sendable, Equatable {
        case stdout
        case stderr
    }

    public var stream: Stream
    public var text: String
    /// Set when the logs were asked for with timestamps.
    public var timestamp: Date?

    public init(stream: Stream, text: String, timestamp: Date? = nil) {
        self.stream = stream
        self.text = text
        self.timestamp = timestamp
    }
}

/// One entry of `GET /events`.
public struct DockerEvent: Sendable, Equatable {
    /// "container", "image", "network", "volume"...
    public var type: String
    /// "create", "start", "die", "kill", "oom", "stop", "destroy"... (Podman adds "init", "cleanup", "remove").
    public var action: String
    /// The container or image id.
    public var actorID: String
    /// Labels of the object, plus "name", "image", and "exitCode" on "die".
    public var attributes: [String: String]
    public var time: Date

    public init(type: String, action: String, actorID: String, attributes: [String: String], time: Date) {
        self.type = type
        self.action = action
        self.actorID = actorID
        self.attributes = attributes
        self.time = time
    }

    /// The exit code reported with a "die" event, if any.
    public var exitCode: Int? { attributes["exitCode"].flatMap { Int($0) } }
}
