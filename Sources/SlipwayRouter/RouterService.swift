import ServiceLifecycle

/// Runs a `Router` as part of a ServiceGroup: starts it, and stops it gracefully on shutdown.
public struct RouterService: Service {
    public let router: Router

    public init(router: Router) {
        self.router = router
    }

    public func run() async throws {
        try await self.router.start()
        // Returns on graceful shutdown; throws CancellationError if cancelled outright. Either
        // way the router must stop, so the error is not propagated.
        try? await gracefulShutdown()
        try await self.router.stop()
    }
}
