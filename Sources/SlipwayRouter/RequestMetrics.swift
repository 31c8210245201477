import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// Requests the router answered, through swift-metrics (so whatever backend the process bootstraps,
/// e.g. Prometheus, sees them): `slipway_router_requests_total{app, service, status}` with the
/// status class (2xx…5xx) and `slipway_router_request_duration_seconds{app, service}`, from the
/// request head to the end of the response. Metric handles are made once per app and service.
final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        var app: String
        var service: String
    }

    /// One app and service's metric handles; callers keep them per route to skip the lookup.
    struct Handles {
        fileprivate var counters: [Counter]  // indexed by status class 1...5 at 0...4
        fileprivate var latency: Timer

        /// Counts the response; returns the time it ended (the time read for its duration).
        @discardableResult
        func record(status: Int, since start: NIODeadline) -> NIODeadline {
            let now = NIODeadline.now()
            let elapsed = now - start
            let statusClass = min(max(status / 100, 1), 5)
            self.counters[statusClass - 1].increment()
            self.latency.recordNanoseconds(elapsed.nanoseconds)
            return now
        }
    }

    private let handles = NIOLockedValueBox<[Key: Handles]>([:])

    func handles(app: String, service: String) -> Handles {
        self.handles.withLockedValue { handles in
            let key = Key(app: app, service: service)
            if let existing = handles[key] { return existing }
            let made = Handles(
                counters: (1...5).map { Counter(label: "slipway_router_requests_total",
                                                dimensions: [("app", app), ("service", service), ("status", "\($0)xx")]) },
                latency: Timer(label: "slipway_router_request_duration_seconds", dimensions: [("app", app), ("service", service)]))
            handles[key] = made
            return made
        }
    }

    func record(app: String, service: String, status: Int, since start: NIODeadline) {
        self.handles(app: app, service: service).record(status: status, since: start)
    }
}
