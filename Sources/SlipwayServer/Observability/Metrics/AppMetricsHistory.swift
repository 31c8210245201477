import Foundation
import SlipwayCore
import SlipwayStore

/// Requests the router answered for an app over one interval: counts by status class (1xx at
/// index 0 to 5xx at 4) and how long they took. Codable: a router process hands its samples to
/// the server over the control socket (`GET /traffic`).
struct TrafficSample: Sendable, Equatable, Codable {
    var counts = SIMD8<UInt32>()
    var latency = LatencyHistogram()
}

/// Requests by status class (1xx at index 0 to 5xx at 4) as a history point keeps them: five
/// counts packed in 20 bytes (a SIMD8's 16-byte alignment made every point 64 bytes instead of 40).
struct StatusCounts: Sendable, Equatable {
    private var c1xx, c2xx, c3xx, c4xx, c5xx: UInt32

    init(_ counts: SIMD8<UInt32>) {
        (c1xx, c2xx, c3xx, c4xx, c5xx) = (counts[0], counts[1], counts[2], counts[3], counts[4])
    }

    subscript(index: Int) -> UInt32 {
        switch index {
        case 0: c1xx
        case 1: c2xx
        case 2: c3xx
        case 3: c4xx
        case 4: c5xx
        default: 0
        }
    }
}

/// One service's CPU (100 = one core, summed over its replicas) and memory (summed) over an interval.
struct ServiceReading: Sendable, Equatable {
    var cpuPercent: Double
    var memoryBytes: UInt64
}

/// One app's metrics history in bounded memory: the last hour at 10 s and the last day at 1 min.
/// Each 10 s point also goes into the minute it ends in; a minute is stored once a point of a later
/// minute arrives (counts added, latency histograms merged, CPU and memory averaged).
struct AppMetricsHistory: Sendable {
    static let step = 10
    static let minuteStep = 60
    static let hourPoints = 3600 / step
    static let dayPoints = 86_400 / minuteStep

    struct TrafficPoint: Sendable {
        /// The end of the interval, Unix seconds.
        var time: Int
        var counts: StatusCounts
        /// NaN for an interval without requests.
        var p50, p95, p99: Float32
    }

    struct UsagePoint: Sendable {
        var time: Int
        var cpuPercent: Float32
        var memoryBytes: UInt64
    }

    /// The minute being filled.
    private struct Minute {
        var end: Int
        var traffic = TrafficSample()
        var usage: [String: (cpu: Double, memory: Double, points: Int)] = [:]
    }

    private(set) var tenSeconds = MetricsRing<TrafficPoint>(capacity: hourPoints)
    private(set) var minutes = MetricsRing<TrafficPoint>(capacity: dayPoints)
    private(set) var serviceTenSeconds: [String: MetricsRing<UsagePoint>] = [:]
    private(set) var serviceMinutes: [String: MetricsRing<UsagePoint>] = [:]
    private var minute: Minute?

    /// Adds the 10 s interval that ends at `time` (a multiple of 10). Points come in time order;
    /// one not later than the last is ignored. Returns the points added (the 10 s ones, and the
    /// minute's once it is complete), for the store; their `app` is left empty.
    @discardableResult
    mutating func append(time: Int, traffic: TrafficSample, services: [String: ServiceReading]) -> [MetricPoint] {
        if let last = tenSeconds.last, time <= last.time { return [] }
        let point = Self.point(time: time, traffic)
        tenSeconds.append(point)
        var added = [Self.stored(point, step: Self.step)]
        for (name, reading) in services {
            let usage = UsagePoint(time: time, cpuPercent: Float32(reading.cpuPercent), memoryBytes: reading.memoryBytes)
            serviceTenSeconds[name, default: MetricsRing(capacity: Self.hourPoints)].append(usage)
            added.append(Self.stored(usage, service: name, step: Self.step))
        }
        let end = Self.minuteEnd(of: time)
        if let minute, minute.end != end { added += store(minute) }
        var current = minute.flatMap { $0.end == end ? $0 : nil } ?? Minute(end: end)
        current.traffic.counts &+= traffic.counts
        current.traffic.latency.add(traffic.latency)
        for (name, reading) in services {
            let sum = current.usage[name] ?? (0, 0, 0)
            current.usage[name] = (sum.cpu + reading.cpuPercent, sum.memory + Double(reading.memoryBytes), sum.points + 1)
        }
        minute = current
        return added
    }

    /// Puts back a point `append` returned before (read from the store after a restart). Points
    /// come oldest first; one not later than its series' last is ignored.
    mutating func restore(_ stored: MetricPoint) {
        let hour = stored.step == Self.step
        if stored.series.isEmpty {
            var counts = SIMD8<UInt32>()
            for (index, count) in stored.counts.prefix(5).enumerated() { counts[index] = count }
            func float(_ value: Double?) -> Float32 { value.map(Float32.init) ?? .nan }
            let point = TrafficPoint(time: stored.time, counts: StatusCounts(counts), p50: float(stored.p50), p95: float(stored.p95), p99: float(stored.p99))
            if hour, (tenSeconds.last?.time ?? .min) < point.time { tenSeconds.append(point) }
            if !hour, (minutes.last?.time ?? .min) < point.time { minutes.append(point) }
        } else {
            let point = UsagePoint(time: stored.time, cpuPercent: Float32(stored.cpuPercent ?? 0), memoryBytes: stored.memoryBytes ?? 0)
            let capacity = hour ? Self.hourPoints : Self.dayPoints
            var ring = (hour ? serviceTenSeconds : serviceMinutes)[stored.series] ?? MetricsRing(capacity: capacity)
            guard (ring.last?.time ?? .min) < point.time else { return }
            ring.append(point)
            if hour { serviceTenSeconds[stored.series] = ring } else { serviceMinutes[stored.series] = ring }
        }
    }

    private static func stored(_ point: TrafficPoint, step: Int) -> MetricPoint {
        func optional(_ value: Float32) -> Double? { value.isNaN ? nil : Double(value) }
        return MetricPoint(app: "", series: "", step: step, time: point.time, counts: (0..<5).map { point.counts[$0] },
                           p50: optional(point.p50), p95: optional(point.p95), p99: optional(point.p99))
    }

    private static func stored(_ point: UsagePoint, service: String, step: Int) -> MetricPoint {
        MetricPoint(app: "", series: service, step: step, time: point.time, cpuPercent: Double(point.cpuPercent), memoryBytes: point.memoryBytes)
    }

    /// The minute (its end, Unix seconds) the interval ending at `time` belongs to.
    static func minuteEnd(of time: Int) -> Int { ((time - 1) / minuteStep + 1) * minuteStep }

    private mutating func store(_ minute: Minute) -> [MetricPoint] {
        let point = Self.point(time: minute.end, minute.traffic)
        minutes.append(point)
        var added = [Self.stored(point, step: Self.minuteStep)]
        for (name, sum) in minute.usage where sum.points > 0 {
            let usage = UsagePoint(time: minute.end, cpuPercent: Float32(sum.cpu / Double(sum.points)),
                                   memoryBytes: UInt64(sum.memory / Double(sum.points)))
            serviceMinutes[name, default: MetricsRing(capacity: Self.dayPoints)].append(usage)
            added.append(Self.stored(usage, service: name, step: Self.minuteStep))
        }
        return added
    }

    private static func point(time: Int, _ traffic: TrafficSample) -> TrafficPoint {
        func quantile(_ q: Double) -> Float32 { traffic.latency.quantile(q).map(Float32.init) ?? .nan }
        return TrafficPoint(time: time, counts: StatusCounts(traffic.counts), p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99))
    }

    enum Range: String, Sendable {
        case hour, day
    }

    /// The history of `range` as the API answers it (without the replicas' readings).
    func view(app: String, range: Range) -> AppMetricsView {
        let (points, step) = range == .hour ? (tenSeconds.elements, Self.step) : (minutes.elements, Self.minuteStep)
        let usage = range == .hour ? serviceTenSeconds : serviceMinutes
        func optional(_ value: Float32) -> Double? { value.isNaN ? nil : Double(value) }
        var rates: [String: [Double]] = [:]
        for status in 0..<5 {
            rates["\(status + 1)xx"] = points.map { Double($0.counts[status]) / Double(step) }
        }
        let errorRate = points.map { point -> Double? in
            let total = (0..<5).reduce(0) { $0 + Int(point.counts[$1]) }
            return total == 0 ? nil : Double(point.counts[4]) / Double(total)
        }
        let services = usage.keys.sorted().map { name in
            let series = usage[name]?.elements ?? []
            return AppMetricsView.ServiceSeries(name: name, time: series.map(\.time), cpuPercent: series.map { Double($0.cpuPercent) },
                                                memoryBytes: series.map(\.memoryBytes))
        }
        return AppMetricsView(app: app, range: range.rawValue, step: step, time: points.map(\.time), requestsPerSecond: rates,
                              latencySeconds: .init(p50: points.map { optional($0.p50) }, p95: points.map { optional($0.p95) },
                                                    p99: points.map { optional($0.p99) }),
                              errorRate: errorRate, services: services, replicas: [])
    }
}
