import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// App logs from the engine to disk and to followers: each line is masked (secret config values
/// become [redacted]), stored, then published to whoever follows the app (SSE, WebSocket).
final class AppLogHub: Service, Sendable {
    let engine: any Engine
    let store: SlipwayStore
    let lines: AppLogStore
    let logger: Logger
    private let followers = Followers<AppLogLine>()
    let masks: SecretMasks

    init(engine: any Engine, store: SlipwayStore, masks: SecretMasks, logger: Logger, lines: AppLogStore) {
        self.engine = engine
        self.store = store
        self.masks = masks
        self.lines = lines
        self.logger = logger
    }

    func run() async throws {
        let lines = self.lines
        try await cancelWhenGracefulShutdown {
            await self.engine.collectLogs(resumeAfter: { lines.lastTime(app: $0) }) { app, line in
                await self.deliver(line, app: app)
            }
        }
    }

    /// Also the way in for lines that come from elsewhere than a replica (scheduled jobs).
    func deliver(_ line: AppLogLine, app: String) async {
        var masked = line
        masked.text = await masks.mask(for: app).apply(line.text)
        await lines.append(masked, app: app)
        await followers.publish(masked, to: app)
    }

    /// Lines of `app` as they arrive, until the caller stops iterating.
    func follow(app: String) async -> AsyncStream<AppLogLine> {
        await followers.subscribe(to: app)
    }
}
