import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

/// The embedded default engine: the local container engine (Podman or Docker, through the
/// Docker Engine API) for builds and replicas, and the built-in router for traffic.
///
/// It composes parts with their own state: `Replicas` (starting, readiness, retiring; health
/// records and ports), `ReplicaReconciler` (crash backoff, health, orphans), `RollingUpdate`
/// (one per rollout, run by `LocalRollout`), `LogCollector` and `OneOffRunner`. `AppLocks`
/// keeps a rollout, a destroy and a reconcile pass from changing one app at once.
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
        /// Memory, CPU, pids, privileges and log size of every container (issue 14).
        public var containerPolicy = ContainerPolicy()
        /// The add-ons that must run (the store); the reconciler restarts them.
        public var addons: any DesiredAddons = NoAddons()
        public init(serverID: String, filesDirectory: URL? = nil) {
            self.serverID = serverID
            self.filesDirectory = filesDirectory
        }
    }

    let docker: DockerClient
    let routes: RouteTable
    let logger: Logger
    /// Which release of each app should run (the store): read by the reconciler, written by `commit`.
    let releases: any CurrentReleases
    let locks = AppLocks()
    let replicas: Replicas
    let reconciler: ReplicaReconciler
    let logCollector: LogCollector
    let oneOffs: OneOffRunner
    let backoff: CrashBackoff
    let labels: ContainerLabels
    let addons: LocalAddons
    /// This server's containers, listed once for everyone asking at about the same time.
    let listing: SharedListing

    public init(docker: DockerClient, routes: RouteTable, router: (any BackendDrainer)?, releases: any CurrentReleases,
                configuration: Configuration, logger: Logger) {
        self.docker = docker
        self.routes = routes
        self.releases = releases
        self.logger = logger
        let labels = ContainerLabels(serverID: configuration.serverID)
        self.labels = labels
        let starts = Broadcast<String>(buffer: 1000)
        let listings = Broadcast<[ContainerSummary]>(buffer: 1)
        let containerFilters = labels.filters()
        listing = SharedListing { [docker] in try await docker.listContainers(all: true, labelFilters: containerFilters) }
        let records = ReplicaRecords(listing: listing)
        backoff = CrashBackoff()
        replicas = Replicas(docker: docker, labels: labels,
                            mounts: ReplicaMounts(docker: docker, labels: labels, filesDirectory: configuration.filesDirectory),
                            networks: AppNetworks(docker: docker, labels: labels),
                            records: records, starts: starts, router: router, readyTimeout: configuration.readyTimeout,
                            report: configuration.report, logger: logger, policy: configuration.containerPolicy)
        addons = LocalAddons(docker: docker, labels: labels, networks: replicas.networks, policy: configuration.containerPolicy,
                             desired: configuration.addons, report: configuration.report, logger: logger)
        reconciler = ReplicaReconciler(docker: docker, labels: labels, replicas: replicas, addons: addons, records: records, backoff: backoff,
                                       routes: routes, releases: releases, locks: locks, listings: listings, shared: listing,
                                       report: configuration.report, logger: logger)
        logCollector = LogCollector(docker: docker, labels: labels, starts: starts, listings: listings, logger: logger)
        oneOffs = OneOffRunner(docker: docker, labels: labels, replicas: replicas, logger: logger)
    }

    public func replicas(of app: AppName) async throws -> [ReplicaView] {
        let current = (try? releases.currentReleases())?.first { $0.app == app }
        let containers = try await listing.containers().filter { ReplicaLabels($0.labels)?.app == app.value }
        return await views(of: try await replicas.observe(containers), app: app, current: current)
    }

    /// Every app's replicas from one shared listing of this server's containers (`SharedListing`).
    public func replicas(of apps: [AppName]) async throws -> [AppName: [ReplicaView]] {
        let observed = Dictionary(grouping: try await replicas.observe(try await listing.containers())) { $0.app }
        let current = Dictionary(((try? releases.currentReleases()) ?? []).map { ($0.app, $0) }) { first, _ in first }
        var byApp: [AppName: [ReplicaView]] = [:]
        for app in apps {
            byApp[app] = await views(of: observed[app.value] ?? [], app: app, current: current[app])
        }
        return byApp
    }

    /// Replicas as `slipway ps` shows them: ready from the route table, restarts from the crash backoff.
    private func views(of observed: [ObservedReplica], app: AppName, current: Release?) async -> [ReplicaView] {
        var views: [ReplicaView] = []
        for replica in observed {
            let history = await backoff.history(CrashBackoff.slotKey(app: replica.app, service: replica.service, index: replica.index))
            // A routed replica is ready while it is in rotation; an unrouted one (a worker) while it runs.
            let ready = replica.port == 0 ? replica.running
                : replica.backend.map { routes.backends(app: app.value, service: replica.service).contains($0) } ?? false
            let state = history.crashLooping && !replica.running ? "crashloop" : replica.state
            var view = ReplicaView(service: replica.service, index: replica.index, release: replica.version,
                                   containerId: String(replica.containerID.prefix(12)), state: state, ready: ready,
                                   hostPort: replica.hostPort, restarts: history.restarts,
                                   startedAt: replica.running ? replica.startedAt : nil)
            let resources = current?.services.first { $0.name == replica.service }?.resources
            view.limits = ContainerPolicy.describe(replicas.policy.limits(for: resources))
            views.append(view)
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
        let removed = removingVolumes ? try await replicas.mounts.removeVolumes(of: app) : []
        let kept = removingVolumes ? [] : ((try? await replicas.mounts.volumes(of: app)) ?? [])
        return DestroyedVolumes(removed: removed, kept: kept)
    }

    /// Stops and removes every replica of the app, its routes and its config files.
    func removeEverything(of app: AppName) async throws {
        await backoff.forget(app: app.value)
        routes.removeApp(app.value)
        let running = try await replicas.observe(app: app)
        await withTaskGroup(of: Void.self) { group in
            for replica in running {
                group.addTask { await replicas.retire(replica, policy: RolloutPolicy(drainSeconds: 0, stopGraceSeconds: 10)) }
            }
        }
        replicas.mounts.removeConfigFiles(app: app.value)
        await addons.removeAll(app: app)
        await replicas.networks.remove(app: app)
    }

    public func startAddon(_ addon: AddonSpec) async throws {
        // Held so that a reconcile pass does not start the same add-on meanwhile.
        guard let lease = await locks.lock(addon.app.value) else {
            throw SlipwayError.conflict("\(addon.app) is busy (a deploy or destroy holds it); try again in a minute")
        }
        do {
            try await addons.start(addon)
        } catch {
            await locks.unlock(lease)
            throw error
        }
        await locks.unlock(lease)
    }

    public func addonStatus(app: AppName) async throws -> [String: AddonStatus] {
        try await addons.status(app: app)
    }

    public func removeAddon(_ addon: AddonSpec, removingVolume: Bool) async throws -> DestroyedVolumes {
        guard let lease = await locks.lock(addon.app.value) else {
            throw SlipwayError.conflict("\(addon.app) is busy (a deploy or destroy holds it); try again in a minute")
        }
        do {
            let volumes = try await addons.remove(addon, removingVolume: removingVolume)
            await locks.unlock(lease)
            return volumes
        } catch {
            await locks.unlock(lease)
            throw error
        }
    }

    public func restore() async throws {
        try await reconciler.restore()
        await oneOffs.removeLeftovers()
    }

    public func supervise() async {
        await reconciler.supervise()
    }

    public func collectLogs(resumeAfter: @escaping @Sendable (String) -> Date?,
                            deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async {
        await logCollector.collectLogs(resumeAfter: resumeAfter, deliver: deliver)
    }

    public func runInteractive(_ release: Release, service: String?, addon: AddonSpec?, command: [String], tty: Bool,
                               input: AsyncStream<InteractiveInput>, output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        try await oneOffs.runInteractive(release, service: service, addon: addon, command: command, tty: tty, input: input, output: output)
    }

    public func runOneOff(_ release: Release, service: String?, command: [String], stdin: Data?, purpose: OneOffPurpose,
                          output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int {
        try await oneOffs.run(release, service: service, command: command, stdin: stdin, purpose: purpose, output: output)
    }
}
