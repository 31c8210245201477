import DockerAPI
import Foundation
import SlipwayCore
import Synchronization

/// The latest listing of this server's containers, shared by everyone who reads replicas (the
/// apps list, the dashboard's pages and live streams, `/metrics`). Podman's listing costs about the
/// same for one app as for all of them (0.4-0.7 s with a hundred containers on a busy machine), so
/// it is taken once and kept until something changes what it would show:
/// - Slipway starting or removing a replica calls `invalidate()` (through `ReplicaRecords`);
/// - the engine's die/oom/remove events invalidate it and make the reconciler list at once; it
///   `offer`s its listing here, as it does every full pass (at least every 15 s), and each tick's
///   listing of an app that is not settled (crashing, starting);
/// - after `maxAge` it is taken again anyway.
/// Callers arriving while a listing is in flight wait for that one.
final class SharedListing: Sendable {
    private let list: @Sendable () async throws -> [ContainerSummary]
    private let maxAge: Duration
    private let state = Mutex(State())

    private struct State {
        /// Moves on every change; a listing begun before the last change is not kept.
        var generation = 0
        var cached: (at: ContinuousClock.Instant, generation: Int, containers: [ContainerSummary])?
        var inFlight: (generation: Int, task: Task<[ContainerSummary], any Error>)?
    }

    init(maxAge: Duration = .seconds(30), list: @escaping @Sendable () async throws -> [ContainerSummary]) {
        self.maxAge = maxAge
        self.list = list
    }

    func containers() async throws -> [ContainerSummary] {
        enum Next { case cached([ContainerSummary]), wait(Task<[ContainerSummary], any Error>, Int) }
        let next = state.withLock { state -> Next in
            if let cached = state.cached, cached.generation == state.generation, ContinuousClock.now - cached.at < maxAge {
                return .cached(cached.containers)
            }
            if let inFlight = state.inFlight, inFlight.generation == state.generation { return .wait(inFlight.task, inFlight.generation) }
            let task = Task { [list] in try await list() }
            state.inFlight = (state.generation, task)
            return .wait(task, state.generation)
        }
        switch next {
        case .cached(let containers):
            return containers
        case .wait(let task, let generation):
            defer { state.withLock { if $0.inFlight?.task == task { $0.inFlight = nil } } }
            let containers = try await task.value
            state.withLock { state in
                if state.generation == generation { state.cached = (.now, generation, containers) }
            }
            return containers
        }
    }

    /// What a listing taken now is checked against when it is offered.
    var generation: Int { state.withLock { $0.generation } }

    /// Something changed what a listing shows (a replica started or was removed).
    func invalidate() {
        state.withLock { $0.generation += 1 }
    }

    /// One app's containers listed by someone else (the reconciler looking at an app that is not
    /// settled), begun at `generation`: they replace that app's in the kept listing if nothing
    /// changed since it began.
    func offer(_ containers: [ContainerSummary], of app: String, takenAt generation: Int) {
        state.withLock { state in
            guard state.generation == generation, let cached = state.cached, cached.generation == generation else { return }
            let others = cached.containers.filter { $0.labels[Labels.name] != app }
            state.cached = (cached.at, generation, others + containers)
        }
    }

    /// A listing someone else took (the reconciler's full pass), begun at `generation`: kept if
    /// nothing changed since it began.
    func offer(_ containers: [ContainerSummary], takenAt generation: Int) {
        state.withLock { state in
            if state.generation == generation { state.cached = (.now, generation, containers) }
        }
    }
}
