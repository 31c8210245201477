import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayStore

/// The app event log: events from the pipeline and the engine go in through `report` (from any
/// thread, in order), are stored, then handed to whoever follows the app's events.
final class EventHub: Service, Sendable {
    let store: SlipwayStore
    let logger: Logger
    private let queue: AsyncStream<AppEvent>
    private let input: AsyncStream<AppEvent>.Continuation
    private let followers = Followers<AppEvent>()
    /// Events of no app (the server's own certificate), for the server-wide notification targets.
    private let serverWide = Followers<AppEvent>()

    init(store: SlipwayStore, logger: Logger) {
        self.store = store
        self.logger = logger
        (queue, input) = AsyncStream.makeStream(of: AppEvent.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Queues an event; it is stored and published in the order reported.
    func report(_ event: AppEvent) {
        input.yield(event)
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await event in queue {
                if event.app == Self.noApp {
                    await serverWide.publish(event, to: Self.everyApp)
                    continue
                }
                do {
                    let recorded = try store.recordEvent(event)
                    ServerMetrics.record(recorded)
                    await followers.publish(recorded, to: recorded.app)
                    await followers.publish(recorded, to: Self.everyApp)
                } catch {
                    logger.warning("could not record an event", metadata: ["app.name": "\(event.app)", "error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            self.input.finish()
        }
    }

    /// An event of no app, such as the server's own `*.DOMAIN` certificate failing: not in any
    /// app's event log (there is none to put it in; the server's log has it), handed to whoever
    /// follows server-wide events (the notifier, for targets added without an app). Its `app` is "".
    func reportServerWide(kind: AppEvent.Kind, message: String) {
        input.yield(AppEvent(app: Self.noApp, kind: kind, message: message))
    }

    /// The `app` of server-wide events (no app is named "").
    static let noApp = ""

    /// Server-wide events (`reportServerWide`) from now on.
    func followServerWide() async -> AsyncStream<AppEvent> {
        await serverWide.subscribe(to: Self.everyApp)
    }

    /// The key of the followers of every app's events (no app name has a `*`).
    static let everyApp = "*"

    /// Every app's events as they are recorded, from now on (the notifier).
    func followAll() async -> AsyncStream<AppEvent> {
        await followers.subscribe(to: Self.everyApp)
    }

    /// Events of `app` as they are recorded, from now on, until the caller stops iterating.
    func follow(app: String) async -> AsyncStream<AppEvent> {
        await followers.subscribe(to: app)
    }
}

/// Subscribers per key (an app), each with its own bounded buffer: a slow reader loses its
/// oldest undelivered items rather than holding up everyone else.
actor Followers<Item: Sendable> {
    private var subscribers: [String: [UUID: AsyncStream<Item>.Continuation]] = [:]

    func subscribe(to key: String, buffer: Int = 10_000) -> AsyncStream<Item> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(buffer))
        subscribers[key, default: [:]][id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(key, id) } }
        return stream
    }

    func publish(_ item: Item, to key: String) {
        for continuation in subscribers[key]?.values ?? [:].values { continuation.yield(item) }
    }

    func hasSubscribers(_ key: String) -> Bool { !(subscribers[key]?.isEmpty ?? true) }

    private func unsubscribe(_ key: String, _ id: UUID) {
        subscribers[key]?[id] = nil
        if subscribers[key]?.isEmpty == true { subscribers[key] = nil }
    }
}
