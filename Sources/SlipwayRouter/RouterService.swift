import ServiceLifecycle

/// Runs a `Router` as part of a ServiceGroup: starts it (unless the caller already did, to serve
/// before other start-up work), and stops it gracefully on shutdown.
public struct RouterService: Service {
    public let router: Router

    public init(router: Router) {
        self.router = router
    }

    public func run() async throws {
        if self.router.boundPort == nil { try await self.router.start() }
        // Returns on graceful shutdown; throws CancellationError if cancelled outright. Either
        // way the router must stop, so the error is not propagated.
        try? await gracefulShutdown()
        try await self.router.stop()
    }
}
