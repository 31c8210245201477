import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

/// The embedded default engine: the local container engine (Podman or Docker, through the
/// Docker Engine API) for builds and replicas, and the built-in router for traffic.
public struct LocalEngine: Engine {
    public struct Configuration: Sendable {
        /// How long a new replica may take to accept connections on its port.
        public var readyTimeout: Duration = .seconds(60)
        /// How long old replicas may keep serving requests in flight after traffic moved away.
        public var drainTimeout: Duration = .seconds(10)
        /// SIGTERM-to-SIGKILL grace when stopping a replica.
        public var stopGraceSeconds: Int = 10
        /// Labels every container with this id, so several Slipway servers can share one engine
        /// without adopting or removing each other's containers.
        public var serverID: String
        public init(serverID: String) { self.serverID = serverID }
    }

    let docker: DockerClient
    let routes: RouteTable
    let router: Router?
    let configuration: Configuration
    let logger: Logger

    public init(docker: DockerClient, routes: RouteTable, router: Router?, configuration: Configuration, logger: Logger) {
        self.docker = docker
        self.routes = routes
        self.router = router
        self.configuration = configuration
        self.logger = logger
    }

    static let serverLabel = "io.slipway.server"

    /// Label filters that select this server's containers (of one app, if given).
    func labelFilters(app: AppName? = nil) -> [String] {
        var filters = ["\(Labels.managedBy)=\(Labels.managedByValue)", "\(Self.serverLabel)=\(configuration.serverID)"]
        if let app { filters.append("\(Labels.name)=\(app.value)") }
        return filters
    }

    public func replicas(of app: AppName) async throws -> [ReplicaView] {
        let containers = try await docker.listContainers(all: true, labelFilters: labelFilters(app: app))
        var views: [ReplicaView] = []
        for container in containers {
            guard let replica = ReplicaLabels(container.labels) else { continue }
            let details = try await docker.inspectContainer(container.id)
            let hostPort = details?.hostPorts[replica.port]
            let ready = hostPort.map { port in
                routes.backends(app: app.value, service: replica.service).contains(Backend(port: port))
            } ?? false
            views.append(ReplicaView(service: replica.service, index: replica.index, release: replica.version,
                                     containerId: String(container.id.prefix(12)), state: container.state,
                                     ready: ready, hostPort: hostPort))
        }
        return views.sorted { ($0.release, $0.service, $0.index) < ($1.release, $1.service, $1.index) }
    }

    public func destroy(app: AppName) async throws {
        routes.removeApp(app.value)
        let containers = try await docker.listContainers(all: true, labelFilters: labelFilters(app: app))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for container in containers {
                group.addTask { try await stopAndRemove(container.id) }
            }
            try await group.waitForAll()
        }
    }

    func stopAndRemove(_ id: String) async throws {
        try await docker.stopContainer(id, timeoutSeconds: configuration.stopGraceSeconds)
        try await docker.removeContainer(id, force: true)
    }
}

/// What Slipway's labels say about one of its containers.
struct ReplicaLabels {
    var app: String
    var service: String
    var version: Int
    var index: Int
    var port: Int

    init?(_ labels: [String: String]) {
        guard let app = labels[Labels.name], let service = labels[Labels.component],
              let versionText = labels[Labels.version], versionText.hasPrefix("v"),
              let version = Int(versionText.dropFirst()),
              let index = labels[Labels.replica].flatMap(Int.init),
              let port = labels[Labels.port].flatMap(Int.init) else { return nil }
        self.app = app
        self.service = service
        self.version = version
        self.index = index
        self.port = port
    }
}
