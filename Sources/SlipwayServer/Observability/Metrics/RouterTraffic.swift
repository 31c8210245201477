import Metrics
import Foundation

/// The router's request metrics as the metrics history wants them: per app, counts by status
/// class and a latency histogram since the last `drain()`. It is a swift-metrics factory beside
/// Prometheus's (`ServerMetrics` bootstraps both), so the router records once and knows nothing of
/// it; it keeps `slipway_router_requests_total` and `slipway_router_request_duration_seconds` and
/// hands out no-op handlers for everything else. swift-metrics is bootstrapped once per process,
/// so there is one of these per process, as there is one `/metrics`.
final class RouterTraffic: MetricsFactory, @unchecked Sendable {
    static let shared = RouterTraffic()

    static let requestsLabel = "slipway_router_requests_total"
    static let durationLabel = "slipway_router_request_duration_seconds"

    private let lock = NSLock()
    private var samples: [String: TrafficSample] = [:]

    /// What was recorded since the last call, per app; starts over.
    func drain() -> [String: TrafficSample] {
        lock.withLock {
            defer { samples = [:] }
            return samples
        }
    }

    /// `drain()` as JSON, for a router process's control socket (`GET /traffic`): the server's
    /// metrics history reads it every 10 s, as it drains its own with an in-process router.
    func drainJSON() -> Data {
        (try? JSONEncoder().encode(drain())) ?? Data("{}".utf8)
    }

    func count(app: String, statusClass: Int, amount: UInt32 = 1) {
        lock.withLock { samples[app, default: TrafficSample()].counts[statusClass] &+= amount }
    }

    func record(app: String, nanoseconds: Int64) {
        lock.withLock { samples[app, default: TrafficSample()].latency.record(seconds: Double(nanoseconds) / 1e9) }
    }

    private static func value(_ name: String, _ dimensions: [(String, String)]) -> String? {
        dimensions.first { $0.0 == name }?.1
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard label == Self.requestsLabel, let app = Self.value("app", dimensions),
              let status = Self.value("status", dimensions)?.first?.wholeNumberValue, (1...5).contains(status) else {
            return NOOPMetricsHandler.instance
        }
        return RequestCounter(traffic: self, app: app, statusClass: status - 1)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        NOOPMetricsHandler.instance
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard label == Self.durationLabel, let app = Self.value("app", dimensions) else { return NOOPMetricsHandler.instance }
        return RequestTimer(traffic: self, app: app)
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class RequestCounter: CounterHandler, Sendable {
        let traffic: RouterTraffic
        let app: String
        let statusClass: Int

        init(traffic: RouterTraffic, app: String, statusClass: Int) {
            self.traffic = traffic
            self.app = app
            self.statusClass = statusClass
        }

        func increment(by amount: Int64) {
            traffic.count(app: app, statusClass: statusClass, amount: UInt32(clamping: amount))
        }

        func reset() {}
    }

    private final class RequestTimer: TimerHandler, Sendable {
        let traffic: RouterTraffic
        let app: String

        init(traffic: RouterTraffic, app: String) {
            self.traffic = traffic
            self.app = app
        }

        func recordNanoseconds(_ duration: Int64) { traffic.record(app: app, nanoseconds: duration) }
    }
}
