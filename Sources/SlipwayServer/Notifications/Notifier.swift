import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SlipwayCore
import SlipwayStore

/// Posts the events notification targets asked for (`slipway notify add`). Every event a target
/// wants is first queued in the store, then sent, signed, and retried with exponential backoff
/// until it is an hour old: a restart resumes what was pending, and `slipway notify log` shows
/// every attempt's outcome.
actor Notifier: Service {
    struct Configuration: Sendable {
        /// The wait after the first failed attempt; doubled after each later one, up to `maximumRetry`.
        var firstRetry: Duration = .seconds(10)
        var maximumRetry: Duration = .seconds(600)
        /// A delivery still failing this long after its event is given up.
        var giveUpAfter: Duration = .seconds(3600)
        var requestTimeout: Duration = .seconds(10)
        var urlPolicy = NotificationURLPolicy()
        /// How often the queue is looked at when something is pending.
        var tick: Duration = .milliseconds(100)
    }

    let configuration: Configuration
    let store: SlipwayStore
    let events: EventHub
    let appURL: @Sendable (String) -> String?
    let logger: Logger
    private let http: HTTPClient
    private var mapper = NotificationEventMapper()
    /// When the queue next has something due (nil: nothing pending); kept here so an idle server
    /// does not read the store at every tick.
    private var nextDue: Date? = .distantPast
    private var inFlight: Set<Int> = []

    init(configuration: Configuration, store: SlipwayStore, events: EventHub, appURL: @escaping @Sendable (String) -> String?, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.events = events
        self.appURL = appURL
        self.logger = logger
        // No redirects: a receiver could otherwise send the server on to a metadata address.
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow)
        // A receiver that refuses connections is one failed attempt (shown in the log), not
        // silent reconnecting until the request's deadline.
        http.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    func run() async throws {
        let stream = await events.followAll()
        let serverWide = await events.followServerWide()
        let tick = configuration.tick
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in stream.cancelOnGracefulShutdown() { await self.intake(event) }
            }
            group.addTask {
                for await event in serverWide.cancelOnGracefulShutdown() { await self.intake(event) }
            }
            group.addTask {
                while (try? await Task.sleep(for: tick)) != nil { await self.deliverDue() }
            }
            await group.next()  // the intake ends on graceful shutdown
            group.cancelAll()
        }
        try? await http.shutdown()
    }

    /// Queues a delivery of `event` for each target that wants it.
    func intake(_ event: AppEvent) {
        guard let kind = mapper.notification(for: event) else { return }
        do {
            // A server-wide event (no app: the server's own certificate) goes to the targets added without an app.
            let candidates = event.app == EventHub.noApp ? try store.notificationTargets().filter { $0.app == nil }
                : try store.notificationTargets(forApp: event.app)
            let targets = candidates.filter { $0.events.contains(kind) }
            for target in targets {
                let body = try NotificationMessage.body(for: event, as: kind, format: target.format,
                                                        appURL: event.app == EventHub.noApp ? nil : appURL(event.app))
                try store.enqueueNotification(target: target.id, app: event.app, event: kind, body: body)
            }
            if !targets.isEmpty { nextDue = .distantPast }
        } catch {
            logger.warning("could not queue a notification", metadata: ["app.name": "\(event.app)", "error": "\(error)"])
        }
    }

    /// Sends every delivery that is due, side by side (one slow receiver holds up no other).
    func deliverDue(now: Date = Date()) async {
        guard let due = nextDue, due <= now else { return }
        let batch: [SlipwayStore.DueNotification]
        do {
            batch = try store.dueNotifications(now: now).filter { !inFlight.contains($0.delivery.id) }
        } catch {
            logger.warning("cannot read the notification queue", metadata: ["error": "\(error)"])
            return
        }
        inFlight.formUnion(batch.map(\.delivery.id))
        await withTaskGroup(of: Void.self) { group in
            for item in batch { group.addTask { await self.send(item) } }
        }
        inFlight.subtract(batch.map(\.delivery.id))
        nextDue = (try? store.nextNotificationDue()) ?? nil
    }

    private nonisolated func send(_ item: SlipwayStore.DueNotification) async {
        let delivery = item.delivery
        let (status, error) = await attempt(item)
        let delivered = error == nil
        let now = Date()
        var next: Date?
        if !delivered {
            let wait = Self.delay(attempt: delivery.attempts + 1, first: configuration.firstRetry, maximum: configuration.maximumRetry)
            let candidate = now.addingTimeInterval(wait)
            if candidate < delivery.createdAt.addingTimeInterval(configuration.giveUpAfter.seconds) { next = candidate }
        }
        do {
            try store.recordNotificationAttempt(id: delivery.id, delivered: delivered, status: status, error: error, nextAttempt: next, at: now)
        } catch {
            logger.warning("cannot record a notification attempt", metadata: ["error": "\(error)"])
        }
        if !delivered {
            logger.info("notification not delivered", metadata: [
                "notify.target": .string(delivery.target), "notify.delivery": "\(delivery.id)", "error": .string(error ?? ""),
                "notify.next": .string(next.map { "\($0)" } ?? "given up"),
            ])
        }
    }

    /// One POST: the HTTP status and nil when the receiver took it (2xx), else why not.
    private nonisolated func attempt(_ item: SlipwayStore.DueNotification) async -> (Int?, String?) {
        let delivery = item.delivery
        guard let url = try? configuration.urlPolicy.check(item.url), let host = url.host else {
            return (nil, "the target's URL is no longer allowed")
        }
        if !configuration.urlPolicy.allowedHosts.contains(host.lowercased()), let reason = await NotificationURLPolicy.resolvedAddressReason(host) {
            return (nil, "refused: \(reason)")
        }
        guard let secret = try? store.notificationSecret(id: delivery.target) else { return (nil, "the target was removed") }
        var request = HTTPClientRequest(url: item.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Slipway-Notifications")
        request.headers.add(name: "X-Slipway-Event", value: delivery.event.rawValue)
        request.headers.add(name: "X-Slipway-Delivery", value: String(delivery.id))
        request.headers.add(name: "X-Slipway-Signature", value: NotificationMessage.signature(item.body, secret: secret))
        request.body = .bytes(ByteBuffer(bytes: item.body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeout.seconds * 1000)))
            _ = try? await response.body.collect(upTo: 64 << 10)  // read and dropped: only the status counts
            let status = Int(response.status.code)
            return (200..<300).contains(status) ? (status, nil) : (status, "the receiver answered \(status)")
        } catch {
            return (nil, "cannot reach the receiver: \(error)")
        }
    }

    /// Seconds to wait after the `attempt`-th failed attempt.
    static func delay(attempt: Int, first: Duration, maximum: Duration) -> TimeInterval {
        min(first.seconds * pow(2, Double(max(0, attempt - 1))), maximum.seconds)
    }
}
