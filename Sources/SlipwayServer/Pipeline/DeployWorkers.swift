import Foundation
import Logging
import ServiceLifecycle
import SlipwayStore

/// The deploy queue's consumers: `count` workers take queued deploys from the store and run
/// them. The queue is the store itself, so deploys survive a restart; a wake-up makes a new
/// deploy start at once, and a once-a-second tick catches anything a wake-up missed.
final class DeployWorkers: Service, Sendable {
    let store: SlipwayStore
    let pipeline: Pipeline
    let logger: Logger
    /// The deploys running now, for `DELETE /v1/deploys/{id}`.
    let cancellations: DeployCancellations
    /// One wake-up stream per worker: an AsyncStream has a single consumer.
    private let wakeups: [(stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)]

    init(store: SlipwayStore, pipeline: Pipeline, count: Int, logger: Logger) {
        self.store = store
        let cancellations = DeployCancellations()
        var pipeline = pipeline
        pipeline.cancellations = cancellations
        self.cancellations = cancellations
        self.pipeline = pipeline
        self.logger = logger
        wakeups = (0..<count).map { _ in AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }
    }

    /// Tells the workers a deploy was queued (or one finished, which may unblock the app's next).
    func wake() {
        for wakeup in wakeups { wakeup.continuation.yield() }
    }

    func run() async throws {
        // On graceful shutdown workers stop taking deploys; a deploy still running is cut off
        // with the process, and the next start marks it interrupted.
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for wakeup in wakeups {
                    group.addTask {
                        for await _ in wakeup.stream { await self.drainQueue() }
                    }
                }
                group.addTask {
                    while !Task.isShuttingDownGracefully, !Task.isCancelled {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                        self.wake()
                    }
                }
                wake()
            }
        } onGracefulShutdown: {
            for wakeup in self.wakeups { wakeup.continuation.finish() }
        }
    }

    /// Runs queued deploys until none is ready to run.
    private func drainQueue() async {
        while !Task.isCancelled {
            let next: QueuedDeploy?
            do {
                next = try store.claimNextDeploy()
            } catch {
                logger.error("deploy queue unavailable", metadata: ["error": "\(error)"])
                return
            }
            guard let deploy = next else { return }
            let pipeline = self.pipeline
            await cancellations.run(deploy.traceId) { await pipeline.run(deploy) }
            wake()
        }
    }
}
