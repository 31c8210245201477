import Foundation
import SlipwayCore
import Testing
@testable import SlipwayServer

/// The metrics history's bounds and resolutions: an hour of 10 s points, a day of 1 min points,
/// nothing older kept, minutes made of their six intervals.
@Suite("Metrics history")
struct MetricsHistoryTests {
    static let start = 1_800_000_000  // a multiple of 60

    static func traffic(ok: UInt32, errors: UInt32 = 0, seconds: Double = 0.002) -> TrafficSample {
        var sample = TrafficSample()
        sample.counts[1] = ok
        sample.counts[4] = errors
        for _ in 0..<(ok + errors) { sample.latency.record(seconds: seconds) }
        return sample
    }

    @Test("an hour of 10 s points and a day of 1 min points, the oldest dropped past that")
    func bounds() {
        var history = AppMetricsHistory()
        let intervals = 2 * 8640 + 7  // two days and a bit
        for index in 1...intervals {
            history.append(time: Self.start + index * 10, traffic: Self.traffic(ok: 1), services: ["web": ServiceReading(cpuPercent: 1, memoryBytes: 1)])
        }
        let hour = history.view(app: "a", range: .hour)
        #expect(hour.time.count == 360)
        #expect(hour.time.last == Self.start + intervals * 10)
        #expect(hour.time.first == Self.start + (intervals - 359) * 10)
        #expect(zip(hour.time, hour.time.dropFirst()).allSatisfy { $1 - $0 == 10 })
        #expect(hour.services.first?.time.count == 360)
        let day = history.view(app: "a", range: .day)
        #expect(day.time.count == 1440)
        #expect(zip(day.time, day.time.dropFirst()).allSatisfy { $1 - $0 == 60 })
        // The minute still being filled is not shown; the one before it is the newest.
        #expect(day.time.last == AppMetricsHistory.minuteEnd(of: Self.start + intervals * 10) - 60)
        #expect(day.services.first?.time.count == 1440)
        #expect(history.tenSeconds.capacity == 360 && history.minutes.capacity == 1440)
    }

    @Test("a minute adds up its six intervals: rates per second, merged percentiles, average CPU and memory")
    func minuteResolution() throws {
        var history = AppMetricsHistory()
        // Minute one: six intervals of 30 fast 2xx, one interval with 6 slow 5xx on top.
        for index in 1...6 {
            history.append(time: Self.start + index * 10, traffic: index == 3 ? Self.traffic(ok: 0, errors: 6, seconds: 0.5) : Self.traffic(ok: 30),
                           services: ["web": ServiceReading(cpuPercent: Double(index * 10), memoryBytes: 100_000_000)])
        }
        history.append(time: Self.start + 70, traffic: TrafficSample(), services: [:])
        let hour = history.view(app: "a", range: .hour)
        #expect(hour.step == 10)
        #expect(hour.requestsPerSecond["2xx"]?.first == 3)  // 30 in 10 s
        #expect(hour.errorRate[2] == 1)
        #expect(hour.errorRate.last == .some(nil))  // no requests: no rate
        #expect(hour.latencySeconds.p50.last == .some(nil))
        let p50 = try #require(hour.latencySeconds.p50.first ?? nil)
        #expect(p50 >= 0.002 && p50 < 0.0025)
        let day = history.view(app: "a", range: .day)
        #expect(day.step == 60)
        #expect(day.time == [Self.start + 60])
        #expect(day.requestsPerSecond["2xx"] == [150.0 / 60])
        #expect(day.requestsPerSecond["5xx"] == [0.1])
        let errorRate = try #require(day.errorRate.first ?? nil)
        #expect(abs(errorRate - 6.0 / 156) < 1e-9)
        // 156 requests: 150 at 2 ms, 6 at 500 ms; p99 (the 155th) is a slow one, p95 (the 149th) is not.
        let p95 = try #require(day.latencySeconds.p95.first ?? nil)
        let p99 = try #require(day.latencySeconds.p99.first ?? nil)
        #expect(p95 < 0.0025)
        #expect(p99 >= 0.5 && p99 < 0.5 * 1.25)
        #expect(day.services.first?.cpuPercent == [35])
        #expect(day.services.first?.memoryBytes == [100_000_000])
    }

    @Test("intervals out of order are ignored; latency buckets keep percentiles within a quarter")
    func orderAndPrecision() {
        var history = AppMetricsHistory()
        history.append(time: Self.start + 20, traffic: Self.traffic(ok: 1), services: [:])
        history.append(time: Self.start + 10, traffic: Self.traffic(ok: 5), services: [:])
        history.append(time: Self.start + 20, traffic: Self.traffic(ok: 5), services: [:])
        #expect(history.view(app: "a", range: .hour).time == [Self.start + 20])
        for seconds in [0.00005, 0.0003, 0.004, 0.08, 1.7, 45.0] {
            var histogram = LatencyHistogram()
            histogram.record(seconds: seconds)
            let quantile = histogram.quantile(0.5) ?? 0
            #expect(quantile >= seconds && quantile <= max(seconds, LatencyHistogram.smallest) * 1.25 + 1e-12, "\(seconds) -> \(quantile)")
        }
    }

    @Test("CPU shares come from two readings; apps that are gone are forgotten")
    func replicasAndForgetting() async {
        let history = MetricsHistory()
        let t0 = Date(timeIntervalSince1970: Double(Self.start))
        func reading(_ cpu: UInt64, at date: Date) -> ReplicaUsage {
            ReplicaUsage(app: "a", service: "web", index: 1, containerId: "c1", cpuNanoseconds: cpu, memoryBytes: 5_000_000, time: date)
        }
        await history.record(time: Self.start + 10, traffic: [:], usage: [reading(1_000_000_000, at: t0)], apps: ["a", "b"])
        #expect(await history.replicas(of: "a").first?.cpuPercent == nil)
        // 2.5 s of CPU in 10 s: a quarter of a core.
        await history.record(time: Self.start + 20, traffic: [:], usage: [reading(3_500_000_000, at: t0.addingTimeInterval(10))], apps: ["a", "b"])
        #expect(await history.replicas(of: "a").first?.cpuPercent == 25)
        #expect(await history.view(app: "a", range: .hour)?.services.first?.cpuPercent == [0, 25])
        #expect(await history.view(app: "b", range: .hour)?.time.count == 2)
        await history.record(time: Self.start + 30, traffic: [:], usage: [], apps: ["a"])
        #expect(await history.view(app: "b", range: .hour) == nil)
    }

    @Test("a router process's traffic crosses the control socket whole (JSON), and a histogram of another shape is refused")
    func trafficOverTheWire() throws {
        let sent = ["shop": Self.traffic(ok: 7, errors: 2, seconds: 0.03), "blog": Self.traffic(ok: 1)]
        let received = try JSONDecoder().decode([String: TrafficSample].self, from: JSONEncoder().encode(sent))
        #expect(received == sent)
        #expect(received["shop"]?.latency.quantile(0.5) == sent["shop"]?.latency.quantile(0.5))
        let wrongShape = #"{"shop": {"counts": [0,7,0,0,2,0,0,0], "latency": {"counts": [1, 2, 3], "total": 6}}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([String: TrafficSample].self, from: Data(wrongShape.utf8)) }
    }
}
