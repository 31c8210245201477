import Foundation
import Logging
import SlipwayCore

/// A rollout on Kubernetes: `apply` (the release's objects, checked by a dry run first), then
/// `run` (the Deployments roll out), then `commit` (prune what the release no longer has). The
/// cluster serializes changes itself: no lock. Dropped after `apply` without commit or undo, it
/// applies the current release's objects again (the cluster would otherwise keep running what
/// no record names).
actor KubernetesRollout: Rollout {
    private enum Phase {
        /// Nothing applied yet.
        case open
        /// The release's objects are in the cluster.
        case applied
        /// A step failed and put `previous` back itself.
        case failed
        case ended
    }

    nonisolated let release: Release
    private let previous: Release?
    private let engine: KubernetesEngine
    private let log: LogSink
    private var phase = Phase.open

    init(engine: KubernetesEngine, release: Release, previous: Release?, log: @escaping LogSink) {
        self.engine = engine
        self.release = release
        self.previous = previous
        self.log = log
    }

    deinit {
        guard case .applied = phase else { return }
        engine.logger.warning("a rollout was dropped without commit or undo; applying the previous release again",
                              metadata: ["app.name": "\(release.app)", "release": "\(release.label)"])
        let (engine, previous, release) = (engine, previous, release)
        Task { await engine.putBack(previous, instead: release, log: { _ in }) }
    }

    func perform(_ stage: StageName) async throws -> String {
        switch (stage, phase) {
        case (.apply, .open):
            do {
                let message = try await engine.apply(release, previous: previous, log: log)
                phase = .applied
                return message
            } catch {
                phase = .failed
                throw error
            }
        case (.run, .applied):
            do {
                try await engine.waitForRollout(release, previous: previous, log: log)
            } catch {
                phase = .failed
                throw error
            }
            let count = release.services.reduce(0) { $0 + $1.replicas }
            return "\(count) replica\(count == 1 ? "" : "s") of \(release.label) ready"
        default:
            throw SlipwayError.internal("the \(stage.rawValue) step of \(release.label) of \(release.app) comes out of order")
        }
    }

    func commit() async throws {
        guard case .applied = phase else {
            throw SlipwayError.internal("\(release.label) of \(release.app) was not rolled out; it cannot be committed")
        }
        try await engine.prune(keeping: release, previous: previous, log: log)
        try engine.releases.makeCurrent(release)
        phase = .ended
    }

    func undo() async {
        if case .applied = phase { await engine.putBack(previous, instead: release, log: log) }
        phase = .ended
    }
}
