/// Errors thrown by `Router`'s lifecycle.
public struct RouterError: Error, Hashable, CustomStringConvertible {
    private enum Base: Hashable {
        case alreadyStarted
        case stopped
    }

    private let base: Base

    /// `start()` was called on a router that is already listening.
    public static let alreadyStarted = RouterError(base: .alreadyStarted)
    /// `start()` was called after `stop()`; make a new `Router` instead.
    public static let stopped = RouterError(base: .stopped)

    public var description: String {
        switch self.base {
        case .alreadyStarted: "the router is already listening; call start() once"
        case .stopped: "the router was stopped; create a new Router to listen again"
        }
    }
}
