import ServiceLifecycle

/// Runs a `Router` as part of a ServiceGroup: starts it (unless the caller already did, to serve
/// before other start-up work) and runs until it has stopped. On graceful shutdown (or
/// cancellation) it stops accepting, lets in-flight requests finish within the router's grace
/// period, and returns once every connection is closed.
public struct RouterService: Service {
    public let router: Router

    public init(router: Router) {
        self.router = router
    }

    public func run() async throws {
        if self.router.boundPort == nil { try await self.router.start() }
        await withTaskCancellationOrGracefulShutdownHandler {
            await self.router.waitUntilStopped()
        } onCancelOrGracefulShutdown: {
            self.router.beginShutdown()
        }
    }
}
