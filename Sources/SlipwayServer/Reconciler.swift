import Logging
import ServiceLifecycle
import SlipwayEngines

/// Keeps what runs equal to the current releases: a reconcile pass every 250 ms, and at once
/// when the engine reports a replica died, was OOM-killed or was removed.
final class Reconciler: Service, Sendable {
    let engine: any Engine
    let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation

    init(engine: any Engine, logger: Logger) {
        self.engine = engine
        self.logger = logger
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.watchEvents() }
                group.addTask {
                    while !Task.isShuttingDownGracefully, !Task.isCancelled {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
                        self.wakeup.yield()
                    }
                    self.wakeup.finish()
                }
                for await _ in self.wakeups {
                    await self.engine.reconcile()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeup.finish()
        }
    }

    /// Follows the engine's events, subscribing again if the stream ends (e.g. the engine restarted).
    private func watchEvents() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                for try await event in engine.replicaEvents() {
                    logger.debug("engine event", metadata: ["event": "\(event)"])
                    wakeup.yield()
                }
            } catch {
                logger.debug("engine event stream ended", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }
}
