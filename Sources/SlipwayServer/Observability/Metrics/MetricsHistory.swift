import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// Every app's metrics history (`AppMetricsHistory`), and each running replica's latest CPU and
/// memory. Bounded per app; an app's history goes when the app does. The sampler also keeps the
/// points in the store (SQLite), from where a restarted server loads them.
actor MetricsHistory {
    private var apps: [String: AppMetricsHistory] = [:]
    /// The previous reading of each container, for its CPU share since.
    private var previous: [String: ReplicaUsage] = [:]
    private var replicasNow: [String: [AppMetricsView.ReplicaNow]] = [:]

    /// One 10 s interval ending at `time`: the router's traffic and the engine's readings, for the
    /// apps that exist (others are forgotten). Returns the points added, for the store.
    @discardableResult
    func record(time: Int, traffic: [String: TrafficSample], usage: [ReplicaUsage], apps names: Set<String>) -> [MetricPoint] {
        var now: [String: [AppMetricsView.ReplicaNow]] = [:]
        var services: [String: [String: ServiceReading]] = [:]
        var readings: [String: ReplicaUsage] = [:]
        for reading in usage where names.contains(reading.app) {
            readings[reading.containerId] = reading
            let cpu = previous[reading.containerId].flatMap { Self.cpuPercent(from: $0, to: reading) }
            now[reading.app, default: []].append(.init(service: reading.service, index: reading.index, containerId: reading.containerId,
                                                       cpuPercent: cpu, memoryBytes: reading.memoryBytes))
            var sum = services[reading.app, default: [:]][reading.service] ?? ServiceReading(cpuPercent: 0, memoryBytes: 0)
            sum.cpuPercent += cpu ?? 0
            sum.memoryBytes += reading.memoryBytes
            services[reading.app, default: [:]][reading.service] = sum
        }
        previous = readings
        replicasNow = now.mapValues { $0.sorted { ($0.service, $0.index) < ($1.service, $1.index) } }
        var added: [MetricPoint] = []
        for name in names {
            let points = apps[name, default: AppMetricsHistory()].append(time: time, traffic: traffic[name] ?? TrafficSample(),
                                                                         services: services[name] ?? [:])
            added += points.map { var point = $0; point.app = name; return point }
        }
        for name in apps.keys where !names.contains(name) { apps[name] = nil }
        return added
    }

    /// Puts back stored points (oldest first), after a restart.
    func restore(_ points: [MetricPoint]) {
        for point in points { apps[point.app, default: AppMetricsHistory()].restore(point) }
    }

    /// 100 is one core busy over the time between the readings.
    static func cpuPercent(from earlier: ReplicaUsage, to later: ReplicaUsage) -> Double? {
        let wall = later.time.timeIntervalSince(earlier.time)
        guard wall > 0, later.cpuNanoseconds >= earlier.cpuNanoseconds else { return nil }
        return Double(later.cpuNanoseconds - earlier.cpuNanoseconds) / 1e9 / wall * 100
    }

    /// nil for an app without history yet.
    func view(app: String, range: AppMetricsHistory.Range) -> AppMetricsView? {
        guard var view = apps[app]?.view(app: app, range: range) else { return nil }
        view.replicas = replicasNow[app] ?? []
        return view
    }

    func replicas(of app: String) -> [AppMetricsView.ReplicaNow] { replicasNow[app] ?? [] }
}

/// Every 10 s (on the wall clock's tens), what the router counted and what the engine reads
/// into the history, and into the store. One engine listing and one stats call per running
/// replica each time. At start, the history is loaded from the store.
struct MetricsSampler: Service {
    let history: MetricsHistory
    let store: SlipwayStore
    let engine: any Engine
    /// The router's requests per app since the last call: this process's (`RouterTraffic.shared`,
    /// the in-process router's) or, with a router process, what it answers on its control socket.
    var traffic: @Sendable () async -> [String: TrafficSample] = { RouterTraffic.shared.drain() }
    let logger: Logger

    /// How long the store keeps points of each step: the hour's and the day's windows.
    static let kept = [AppMetricsHistory.step: 3600, AppMetricsHistory.minuteStep: 86_400]

    func run() async throws {
        _ = await traffic()  // what came before the first interval is not one interval's
        await load()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = Date().timeIntervalSince1970
            let next = (now / Double(AppMetricsHistory.step)).rounded(.down) * Double(AppMetricsHistory.step) + Double(AppMetricsHistory.step)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(next - now)) }
            } catch {
                return
            }
            let traffic = await traffic()
            let usage = await engine.resourceUsage()
            let names = Set(((try? store.apps()) ?? []).map(\.name.value))
            let points = await history.record(time: Int(next), traffic: traffic, usage: usage, apps: names)
            do {
                try store.saveMetrics(points)
                // Once a minute, what fell out of the windows (and destroyed apps' points) goes.
                if Int(next) % AppMetricsHistory.minuteStep == 0 { try store.pruneMetrics(now: Int(next), keep: Self.kept) }
            } catch {
                logger.warning("could not keep the metrics history in the store", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The points kept in the store, within their windows, into the history.
    func load(now: Int = Int(Date().timeIntervalSince1970)) async {
        do {
            try store.pruneMetrics(now: now, keep: Self.kept)
            await history.restore(try store.metricPoints())
        } catch {
            logger.warning("could not load the metrics history from the store", metadata: ["error": "\(error)"])
        }
    }
}
