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
    private let masks: SecretMasks

    init(engine: any Engine, store: SlipwayStore, logger: Logger, lines: AppLogStore) {
        self.engine = engine
        self.store = store
        self.lines = lines
        self.logger = logger
        masks = SecretMasks(store: store)
    }

    func run() async throws {
        let lines = self.lines
        try await cancelWhenGracefulShutdown {
            await self.engine.collectLogs(resumeAfter: { lines.lastTime(app: $0) }) { app, line in
                await self.deliver(line, app: app)
            }
        }
    }

    private func deliver(_ line: AppLogLine, app: String) async {
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

/// The secret values of each app's current release, looked up at most once a second per app
/// (a log line must not cost a database read), so a secret set a moment ago is masked at once
/// after its release.
actor SecretMasks {
    let store: SlipwayStore
    private var cache: [String: (loaded: ContinuousClock.Instant, mask: SecretMask)] = [:]

    init(store: SlipwayStore) { self.store = store }

    func mask(for app: String) -> SecretMask {
        if let entry = cache[app], ContinuousClock.now - entry.loaded < .seconds(1) { return entry.mask }
        let release = (try? DNSLabel(app)).flatMap { try? store.currentRelease(of: $0) }
        let mask = SecretMask(release: release)
        cache[app] = (ContinuousClock.now, mask)
        return mask
    }
}
