import Logging
import ServiceLifecycle
import SlipwayEngines

/// Keeps what runs equal to the current releases (the engine's `supervise`), until graceful shutdown.
final class Reconciler: Service, Sendable {
    let engine: any Engine

    init(engine: any Engine) {
        self.engine = engine
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.engine.supervise() }
    }
}
