import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

/// The embedded default engine: the local container engine (Podman or Docker, through the
/// Docker Engine API) for builds and replicas, and the built-in router for traffic.
public struct LocalEngine: Engine {
    public struct Configuration: Sendable {
        /// How long a new replica may take to pass its health check.
        public var readyTimeout: Duration = .seconds(60)
        /// Labels every container with this id, so several Slipway servers can share one engine
        /// without adopting or removing each other's containers.
        public var serverID: String
        /// Where config files are written to be mounted into containers (under the data directory).
        public var filesDirectory: URL?
        /// Receives what happens to replicas (started, ready, crashed...), for the app's event log.
        public var report: @Sendable (AppEvent) -> Void = { _ in }
        public init(serverID: String, filesDirectory: URL? = nil) {
            self.serverID = serverID
            self.filesDirectory = filesDirectory
        }
    }

    let docker: DockerClient
    let routes: RouteTable
    let router: Router?
    let configuration: Configuration
    let logger: Logger
    /// Which release of each app should run (the store): read each reconcile pass, written by `commit`.
    let releases: any CurrentReleases
    let locks = AppLocks()
    let supervision = ReplicaSupervision()

    public init(docker: DockerClient, routes: RouteTable, router: Router?, releases: any CurrentReleases,
                configuration: Configuration, logger: Logger) {
        self.docker = docker
        self.routes = routes
        self.router = router
        self.releases = releases
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
        var views: [ReplicaView] = []
        for replica in try await observe(app: app) {
            let slot = ReplicaSupervision.slotKey(app: replica.app, service: replica.service, index: replica.index)
            let history = await supervision.history(slot)
            // A routed replica is ready while it is in rotation; an unrouted one (a worker) while it runs.
            let ready = replica.port == 0 ? replica.running
                : replica.backend.map { routes.backends(app: app.value, service: replica.service).contains($0) } ?? false
            let details = try await docker.inspectContainer(replica.containerID)
            let state = history.crashLooping && !replica.running ? "crashloop" : replica.state
            views.append(ReplicaView(service: replica.service, index: replica.index, release: replica.version,
                                     containerId: String(replica.containerID.prefix(12)), state: state, ready: ready,
                                     hostPort: replica.hostPort, restarts: history.restarts,
                                     startedAt: replica.running ? details?.state.startedAt : nil))
        }
        return views.sorted { ($0.release, $0.service, $0.index) < ($1.release, $1.service, $1.index) }
    }

    public func destroy(app: AppName, removingVolumes: Bool) async throws -> DestroyedVolumes {
        // Holding the app keeps the reconciler from replacing replicas while they are being
        // removed; the mark keeps it from doing so after, while the store still names a release.
        // A rollout holding the app does not stop a destroy.
        let lease = await locks.tryLock(app.value)
        await locks.markDestroyed(app.value)
        do {
            try await removeEverything(of: app)
        } catch {
            if let lease { await locks.unlock(lease) }
            throw error
        }
        if let lease { await locks.unlock(lease) }
        let removed = removingVolumes ? try await removeVolumes(of: app) : []
        return DestroyedVolumes(removed: removed, kept: removingVolumes ? [] : await keptVolumes(of: app))
    }

    /// Stops and removes every replica of the app, its routes and its config files.
    func removeEverything(of app: AppName) async throws {
        await supervision.forget(app: app.value)
        routes.removeApp(app.value)
        let replicas = try await observe(app: app)
        await withTaskGroup(of: Void.self) { group in
            for replica in replicas {
                group.addTask { await retire(replica, policy: RolloutPolicy(drainSeconds: 0, stopGraceSeconds: 10)) }
            }
        }
        removeConfigFiles(app: app.value)
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
