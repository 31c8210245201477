import Foundation
import Logging
import SlipwayCore

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
        try await RollingUpdate(replicas: engine.replicas, routes: engine.routes, release: release, previous: previous, log: log).run()
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
                    try await RollingUpdate(replicas: engine.replicas, routes: engine.routes, release: previous, previous: release, log: log).run()
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
