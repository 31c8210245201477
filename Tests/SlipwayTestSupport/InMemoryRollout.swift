import SlipwayCore
import SlipwayEngines

/// `InMemoryEngine`'s rollout: it holds the app's lock until `commit` or `undo`, performs the
/// engine's rollout stages (`run` swaps the app's replicas for the release's), and records every
/// step taken out of the contract's order as a violation.
actor InMemoryRollout: Rollout {
    nonisolated let release: Release
    private let previous: Release?
    private let engine: InMemoryEngine
    private var open = true
    private var performed: [StageName] = []
    /// The replicas `run` replaced, put back by `undo`.
    private var replaced: [ReplicaView]?

    init(engine: InMemoryEngine, release: Release, previous: Release?) {
        self.engine = engine
        self.release = release
        self.previous = previous
    }

    deinit {
        if open { engine.violation("the rollout of \(release.app) \(release.label) was dropped without commit or undo") }
    }

    func perform(_ stage: StageName) async throws -> String {
        let app = release.app.value
        let expected = engine.rolloutStages.dropFirst(performed.count).first
        if !open || stage != expected {
            engine.violation("perform(\(stage.rawValue)) on the rollout of \(app) \(release.label) after \(performed.map(\.rawValue)), open: \(open)")
        }
        performed.append(stage)
        try await engine.pass(stage == .apply ? .apply : .run, app: app, call: "\(stage.rawValue) \(app) \(release.label)")
        if stage == .run {
            // A failing step changes nothing above: what served before still serves.
            replaced = await engine.swap(app, for: release)
        }
        return "\(release.label) \(stage == .run ? "ready" : "applied")"
    }

    func commit() async throws {
        let app = release.app.value
        if !open || performed != engine.rolloutStages {
            engine.violation("commit of \(app) \(release.label) after \(performed.map(\.rawValue)), open: \(open)")
        }
        try await engine.pass(.commit, app: app, call: "commit \(app) \(release.label)")
        try engine.releases.makeCurrent(release)
        open = false
        await engine.unlock(app)
    }

    func undo() async {
        let app = release.app.value
        await engine.record("undo \(app) \(release.label)")
        guard open else {
            engine.violation("undo of \(app) \(release.label) after the rollout ended")
            return
        }
        open = false
        if let replaced { await engine.putBack(app, replaced, hadPrevious: previous != nil) }
        await engine.unlock(app)
    }
}
