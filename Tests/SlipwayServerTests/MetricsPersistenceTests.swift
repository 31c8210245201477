import Foundation
import Logging
import SlipwayCore
import SlipwayEngines
import SlipwayStore
import SlipwayTestSupport
import Testing
@testable import SlipwayServer

/// The metrics history is kept in the store (a real SQLite file) and a restarted server loads it:
/// the charts show the same points after a restart; points past their window and those of apps
/// that are gone are dropped.
@Suite("Metrics history kept across a restart")
struct MetricsPersistenceTests {
    @Test("a restarted server shows the hour and the day it had before, nothing older, nothing of destroyed apps")
    func restartKeepsHistory() async throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let now = Int(Date().timeIntervalSince1970) / 60 * 60
        // Two hours of 10 s points ending now: the day keeps every minute, the hour only its last 360 points.
        let start = now - 7200
        let before = MetricsHistory()
        do {
            let store = try directory.store("slipway.db")
            try store.activate(app: try AppName("shop"), version: 1)
            try store.activate(app: try AppName("gone"), version: 1)
            var points: [MetricPoint] = []
            for time in stride(from: start + 10, through: now, by: 10) {
                var traffic = TrafficSample()
                traffic.counts[1] = UInt32(time % 97)
                traffic.latency.record(seconds: 0.003)
                let usage = [ReplicaUsage(app: "shop", service: "web", index: 1, containerId: "c1",
                                          cpuNanoseconds: UInt64(time - start) * 100_000_000, memoryBytes: 42_000_000,
                                          time: Date(timeIntervalSince1970: Double(time)))]
                points += await before.record(time: time, traffic: ["shop": traffic], usage: usage, apps: ["shop", "gone"])
            }
            try store.saveMetrics(points)
            try store.deleteApp(try AppName("gone"))
        }

        // The restart: a new store on the same file, a new history loaded by the sampler.
        let store = try directory.store("slipway.db")
        let after = MetricsHistory()
        let sampler = MetricsSampler(history: after, store: store, engine: InMemoryEngine(), logger: Logger(label: "test"))
        await sampler.load(now: now)
        for range in [AppMetricsHistory.Range.hour, .day] {
            let old = try #require(await before.view(app: "shop", range: range))
            let new = try #require(await after.view(app: "shop", range: range))
            #expect(new.time == old.time, "\(range)")
            #expect(new.requestsPerSecond == old.requestsPerSecond, "\(range)")
            #expect(new.latencySeconds.p95 == old.latencySeconds.p95, "\(range)")
            #expect(new.services.map(\.cpuPercent) == old.services.map(\.cpuPercent), "\(range)")
            #expect(new.services.map(\.memoryBytes) == old.services.map(\.memoryBytes), "\(range)")
        }
        #expect(await after.view(app: "shop", range: .hour)?.time.count == 360)
        #expect(await after.view(app: "shop", range: .day)?.time.count == 119)  // the minute ending now was still being filled
        // Only the hour's window of 10 s points and the day's of minutes stay in the file; the destroyed app's are gone.
        let stored = try store.metricPoints()
        #expect(stored.filter { $0.step == 10 }.allSatisfy { $0.time > now - 3600 })
        #expect(!stored.contains { $0.app == "gone" })
        #expect(await after.view(app: "gone", range: .hour) == nil)
    }
}
