import Foundation
import GRDB

/// One point of an app's metrics history (`slipway metrics`, the dashboard's charts): the router's
/// traffic over an interval (`series` empty) or one service's CPU and memory (`series` is the
/// service). Kept so that a restart keeps the charts; bounded by `pruneMetrics`.
public struct MetricPoint: Sendable, Equatable {
    public var app: String
    /// Empty for the app's traffic; a service name for its usage.
    public var series: String
    /// 10 (the hour's points) or 60 (the day's).
    public var step: Int
    /// The end of the interval, Unix seconds.
    public var time: Int
    /// Requests answered by status class, 1xx first (traffic points).
    public var counts: [UInt32]
    public var p50, p95, p99: Double?
    /// Summed over the service's replicas (usage points); 100 is one core.
    public var cpuPercent: Double?
    public var memoryBytes: UInt64?

    public init(app: String, series: String, step: Int, time: Int, counts: [UInt32] = [], p50: Double? = nil, p95: Double? = nil,
                p99: Double? = nil, cpuPercent: Double? = nil, memoryBytes: UInt64? = nil) {
        self.app = app
        self.series = series
        self.step = step
        self.time = time
        self.counts = counts
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
    }
}

extension SlipwayStore {
    static func registerMetricsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-metric-history") { db in
            try db.create(table: "metricPoint", options: [.withoutRowID]) { t in
                t.column("app", .text).notNull()
                t.column("series", .text).notNull()
                t.column("step", .integer).notNull()
                t.column("time", .integer).notNull()
                // Status classes 1xx..5xx as a comma-separated list (traffic points).
                t.column("counts", .text).notNull()
                t.column("p50", .double)
                t.column("p95", .double)
                t.column("p99", .double)
                t.column("cpuPercent", .double)
                t.column("memoryBytes", .integer)
                t.primaryKey(["app", "series", "step", "time"])
            }
            try db.create(index: "metricPointAge", on: "metricPoint", columns: ["step", "time"])
        }
    }

    /// Adds points (a point already there, same app, series, step and time, is replaced).
    public func saveMetrics(_ points: [MetricPoint]) throws {
        guard !points.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO metricPoint (app, series, step, time, counts, p50, p95, p99, cpuPercent, memoryBytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for point in points {
                try statement.execute(arguments: [point.app, point.series, point.step, point.time,
                                                  point.counts.map(String.init).joined(separator: ","),
                                                  point.p50, point.p95, point.p99, point.cpuPercent, point.memoryBytes.map(Int64.init)])
            }
        }
    }

    /// Drops points of each step older than its window (`keep[step]` seconds before `now`), and
    /// those of apps that no longer exist.
    public func pruneMetrics(now: Int, keep: [Int: Int]) throws {
        try writer.write { db in
            for (step, seconds) in keep {
                try db.execute(sql: "DELETE FROM metricPoint WHERE step = ? AND time <= ?", arguments: [step, now - seconds])
            }
            try db.execute(sql: "DELETE FROM metricPoint WHERE app NOT IN (SELECT name FROM app)")
        }
    }

    /// Every point kept, oldest first (what the history is loaded from at start).
    public func metricPoints() throws -> [MetricPoint] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM metricPoint ORDER BY time, app, series").map { row in
                let counts: String = row["counts"]
                return MetricPoint(app: row["app"], series: row["series"], step: row["step"], time: row["time"],
                                   counts: counts.split(separator: ",").compactMap { UInt32($0) },
                                   p50: row["p50"], p95: row["p95"], p99: row["p99"], cpuPercent: row["cpuPercent"],
                                   memoryBytes: (row["memoryBytes"] as Int64?).map { UInt64(max(0, $0)) })
            }
        }
    }
}
