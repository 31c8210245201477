import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

extension LocalEngine {
    public var imageSteps: [ImageStep] { [] }

    public var rolloutStages: [StageName] { [.run] }

    public func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> any Rollout {
        guard let lease = await locks.lock(release.app.value) else {
            throw SlipwayError.conflict("\(release.app) is being changed by another operation; try again when it finished")
        }
        await locks.clearDestroyed(release.app.value)
        return LocalRollout(engine: self, release: release, previous: previous, lease: lease, log: log)
    }

    /// Routes traffic to `release` alone; returns the replicas of other releases, which still run.
    func routeOnly(_ release: Release, log: @escaping LogSink) async throws -> [ObservedReplica] {
        let replicas = try await observe(app: release.app)
        var services: [String: [Backend]] = [:]
        for service in release.services {
            services[service.name] = replicas.filter { $0.version == release.version && $0.service == service.name && $0.running }
                .compactMap(\.backend)
        }
        routes.setRoutes(app: release.app.value, services: services, defaultService: release.defaultService)
        let count = services.values.reduce(0) { $0 + $1.count }
        await log("Routing \(release.app) to \(release.label) (\(count) replica\(count == 1 ? "" : "s"))")
        return replicas.filter { $0.version != release.version }
    }

    /// Stops what is left of releases other than `release` (drained first) and their config files.
    func retireLeftovers(_ leftovers: [ObservedReplica], keeping release: Release) async {
        for replica in leftovers {
            let policy = release.services.first { $0.name == replica.service }?.rolloutPolicy ?? .standard
            await retire(replica, policy: policy)
        }
        removeConfigFiles(app: release.app.value, keep: release.version)
    }
}

/// A rollout on the local engine: one step, `run` (a `RollingUpdate`), holding the app's lease
/// until `commit` or `undo`. Dropped while open, its lease goes with it and the reconciler
/// brings the app back to its current release (see `Rollout`).
actor LocalRollout: Rollout {
    nonisolated let release: Release
    private let previous: Release?
    private let engine: LocalEngine
    private let log: LogSink
    /// Nil once the rollout ended.
    private var lease: AppLease?
    /// The `run` step finished: the release's replicas serve beside what is left of `previous`.
    private var rolledOut = false

    init(engine: LocalEngine, release: Release, previous: Release?, lease: AppLease, log: @escaping LogSink) {
        self.engine = engine
        self.release = release
        self.previous = previous
        self.lease = lease
        self.log = log
    }

    deinit {
        if lease != nil {
            engine.logger.warning("a rollout was dropped without commit or undo; the reconciler returns the app to its current release",
                                  metadata: ["app.name": "\(release.app)", "release": "\(release.label)"])
        }
    }

    func perform(_ stage: StageName) async throws -> String {
        guard lease != nil else { throw SlipwayError.internal("the rollout of \(release.label) of \(release.app) has ended") }
        guard stage == .run else { throw SlipwayError.internal("the local engine has no \(stage.rawValue) stage") }
        // A failing update puts back what it replaced and throws; the rollout stays open.
        try await RollingUpdate(engine: engine, release: release, previous: previous, log: log).run()
        rolledOut = true
        let count = release.services.reduce(0) { $0 + $1.replicas }
        return "\(count) replica\(count == 1 ? "" : "s") of \(release.label) ready"
    }

    func commit() async throws {
        guard let lease else { throw SlipwayError.internal("the rollout of \(release.label) of \(release.app) has ended") }
        let leftovers = try await engine.routeOnly(release, log: log)
        try engine.releases.makeCurrent(release)
        self.lease = nil
        await engine.retireLeftovers(leftovers, keeping: release)
        await engine.locks.unlock(lease)
    }

    func undo() async {
        guard let lease else { return }
        self.lease = nil
        if rolledOut {
            do {
                if let previous {
                    try await RollingUpdate(engine: engine, release: previous, previous: release, log: log).run()
                    await engine.retireLeftovers(try await engine.routeOnly(previous, log: log), keeping: previous)
                } else {
                    try await engine.removeEverything(of: release.app)
                }
            } catch {
                engine.logger.error("could not put the previous release back", metadata: ["app.name": "\(release.app)", "error": "\(error)"])
            }
        }
        await engine.locks.unlock(lease)
    }
}
