import Foundation
import Synchronization

/// Running deploys that a `DELETE /v1/deploys/{id}` can stop: the worker registers each deploy's
/// task while it runs; a cancel marks the deploy (so the pipeline reports "cancelled" rather than
/// whatever error the interruption caused) and cancels its task. A cancel that arrives between a
/// worker claiming the deploy and registering it is kept and applied at registration.
final class DeployCancellations: Sendable {
    private struct State {
        var running: [String: @Sendable () -> Void] = [:]
        var requested: [String: String] = [:]
    }

    private let state = Mutex(State())

    /// Runs `deploy` as a task that `cancel(traceId)` can cancel, and waits for it.
    func run(_ traceId: String, _ deploy: @escaping @Sendable () async -> Void) async {
        let task = Task { await deploy() }
        let cancelNow = state.withLock { state in
            state.running[traceId] = { task.cancel() }
            return state.requested[traceId] != nil
        }
        if cancelNow { task.cancel() }
        await task.value
        _ = state.withLock { state in
            state.running[traceId] = nil
            state.requested[traceId] = nil
        }
    }

    /// Asks the running deploy to stop; `by` says who asked (for its error message).
    func cancel(_ traceId: String, by requester: String) {
        let cancel = state.withLock { state in
            state.requested[traceId] = requester
            return state.running[traceId]
        }
        cancel?()
    }

    /// Who cancelled the deploy, if anyone did.
    func requester(of traceId: String) -> String? {
        state.withLock { $0.requested[traceId] }
    }
}
