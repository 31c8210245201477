import Foundation
import GRDB
import SlipwayCore

/// The per-app event log: appended by the pipeline and the engine, read by `GET /v1/apps/{app}/events`.
/// Bounded: only the newest `eventsKeptPerApp` of each app are kept.
extension SlipwayStore {
    public static let eventsKeptPerApp = 1000

    @discardableResult
    public func recordEvent(_ event: AppEvent) throws -> AppEvent {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO event (app, time, kind, message, release, replica, traceId) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [event.app, event.time, event.kind.rawValue, event.message, event.release, event.replica, event.traceId])
            var recorded = event
            recorded.seq = Int(db.lastInsertedRowID)
            // Trimming every 100th insert keeps the table bounded without a delete per event.
            if recorded.seq! % 100 == 0 {
                try db.execute(sql: """
                    DELETE FROM event WHERE app = ? AND seq <= (
                        SELECT seq FROM event WHERE app = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)
                    """, arguments: [event.app, event.app, Self.eventsKeptPerApp])
            }
            return recorded
        }
    }

    /// An app's events after `afterSeq` (all kept ones if nil) and at or after `since`, oldest first;
    /// the newest `limit` of them when given.
    public func events(app: AppName, afterSeq: Int? = nil, since: Date? = nil, limit: Int? = nil) throws -> [AppEvent] {
        try writer.read { db in
            var sql = "SELECT * FROM event WHERE app = ? AND seq > ?"
            var arguments: StatementArguments = [app.value, afterSeq ?? 0]
            if let since {
                sql += " AND time >= ?"
                arguments += [since]
            }
            sql += " ORDER BY seq DESC"
            if let limit {
                sql += " LIMIT ?"
                arguments += [limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).reversed().compactMap { row in
                guard let kind = AppEvent.Kind(rawValue: row["kind"]) else { return nil }
                return AppEvent(seq: row["seq"], time: row["time"], app: row["app"], kind: kind, message: row["message"],
                                release: row["release"], replica: row["replica"], traceId: row["traceId"])
            }
        }
    }

    static func registerEventMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-events") { db in
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("app", .text).notNull().indexed()
                t.column("time", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("message", .text).notNull()
                t.column("release", .integer)
                t.column("replica", .text)
                t.column("traceId", .text)
            }
        }
    }
}
