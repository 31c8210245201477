import Foundation
import Metrics
import Prometheus
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// Slipway's own metrics, recorded through swift-metrics and exposed by swift-prometheus at
/// `GET /metrics` in the Prometheus text format. Counters and histograms are recorded where things
/// happen (pipeline stages, events, the router); gauges that describe state now (queue depth,
/// replicas by state) are computed at scrape time.
enum ServerMetrics {
    /// The process-wide registry; swift-metrics can be bootstrapped once per process. Beside
    /// Prometheus, `RouterTraffic` keeps the router's requests for the metrics history.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        MetricsSystem.bootstrap(MultiplexMetricsHandler(factories: [factory, RouterTraffic.shared]))
        return registry
    }()

    static func stageFinished(_ stage: StageName, after duration: Duration, failed: Bool) {
        Timer(label: "slipway_stage_duration_seconds", dimensions: [("stage", stage.rawValue), ("result", failed ? "error" : "ok")])
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Counts deploys by result and replica restarts, from the event log.
    static func record(_ event: AppEvent) {
        switch event.kind {
        case .deployCompleted, .deployFailed:
            Counter(label: "slipway_deploys_total", dimensions: [("app", event.app), ("result", event.kind == .deployCompleted ? "completed" : "error")])
                .increment()
        case .replicaRestarted:
            let service = event.replica.map { String($0.split(separator: ".").first ?? "") } ?? ""
            Counter(label: "slipway_replica_restarts_total", dimensions: [("app", event.app), ("service", service)]).increment()
        case .replicaOOMKilled:
            Counter(label: "slipway_replica_oom_kills_total", dimensions: [("app", event.app)]).increment()
        default:
            break
        }
    }
}

/// `GET /metrics`: refreshes the state gauges, then renders everything.
actor MetricsScrape {
    let store: SlipwayStore
    let engine: any Engine
    /// The router process's own metrics, when the router is not in this process (same names and labels).
    let router: @Sendable () async -> String?
    /// Gauges reported last time, so those of a destroyed app or a vanished state go to 0 instead of lingering.
    private var reported: Set<[String]> = []

    init(store: SlipwayStore, engine: any Engine, router: @escaping @Sendable () async -> String? = { nil }) {
        self.store = store
        self.engine = engine
        self.router = router
    }

    func render() async -> String {
        Gauge(label: "slipway_deploy_queue_depth").record((try? store.queueDepth()) ?? 0)
        var now: [[String]: Int] = [:]
        let apps = (try? store.apps()) ?? []
        // One look at the engine for every app; none (the engine not answering) reports no replicas.
        let replicasByApp = (try? await engine.replicas(of: apps.map(\.name))) ?? [:]
        for app in apps {
            guard let replicas = replicasByApp[app.name] else { continue }
            let current = app.currentRelease
            for replica in replicas where replica.release == current {
                let state = replica.state == "crashloop" ? "crashloop" : replica.ready ? "ready" : replica.state == "running" ? "starting" : "stopped"
                now[[app.name.value, replica.service, state], default: 0] += 1
            }
        }
        for key in reported.union(now.keys) {
            Gauge(label: "slipway_replicas", dimensions: [("app", key[0]), ("service", key[1]), ("state", key[2])]).record(now[key] ?? 0)
        }
        reported = Set(now.keys)
        let own = ServerMetrics.registry.emitToString()
        guard let router = await router(), !router.isEmpty else { return own }
        return own.hasSuffix("\n") || own.isEmpty ? own + router : own + "\n" + router
    }
}
