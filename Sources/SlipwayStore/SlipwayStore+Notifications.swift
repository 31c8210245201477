import Foundation
import GRDB
import SlipwayCore
import SlipwaySecrets

/// Notification targets (`slipway notify add`) and their deliveries: every event a target wants
/// is a row queued here before it is sent, so a server restart loses none; the row keeps its
/// attempts, the receiver's last answer and the time of the next try (`slipway notify log`).
/// Each target's signing secret is sealed like secret config values.
extension SlipwayStore {
    /// Deliveries kept per target (the oldest finished ones are dropped).
    public static let deliveriesKeptPerTarget = 500

    static func registerNotificationMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-notifications") { db in
            try db.create(table: "notificationTarget") { t in
                t.primaryKey("id", .text)
                t.column("app", .text).indexed()
                t.column("url", .text).notNull()
                t.column("events", .jsonText).notNull()
                t.column("format", .text).notNull()
                t.column("sealedSecret", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "notificationDelivery") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("target", .text).notNull().indexed().references("notificationTarget", column: "id", onDelete: .cascade)
                t.column("app", .text).notNull()
                t.column("event", .text).notNull()
                t.column("body", .blob).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastStatus", .integer)
                t.column("lastError", .text)
                t.column("nextAttempt", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("deliveredAt", .datetime)
            }
            try db.create(index: "notificationDeliveryDue", on: "notificationDelivery", columns: ["state", "nextAttempt"])
        }
    }

    public func addNotificationTarget(_ target: NotificationTarget, secret: String) throws {
        try writer.write { db in
            let sealed = try secrets.seal(secret, context: "notification/\(target.id)")
            try db.execute(sql: """
                INSERT INTO notificationTarget (id, app, url, events, format, sealedSecret, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [target.id, target.app, target.url, try Self.encodeJSON(target.events.map(\.rawValue)),
                                 target.format.rawValue, sealed, target.createdAt])
        }
    }

    /// Every target, or those that get `app`'s events (its own and the server-wide ones).
    public func notificationTargets(forApp app: String? = nil) throws -> [NotificationTarget] {
        try writer.read { db in
            var sql = "SELECT * FROM notificationTarget"
            var arguments: StatementArguments = []
            if let app {
                sql += " WHERE app IS NULL OR app = ?"
                arguments += [app]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY createdAt, id", arguments: arguments).map(Self.target)
        }
    }

    /// Removes a target and its delivery history; false if there was none.
    public func removeNotificationTarget(id: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM notificationDelivery WHERE target = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM notificationTarget WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// The target's signing secret, opened.
    public func notificationSecret(id: String) throws -> String? {
        guard let sealed = try writer.read({ db in try String.fetchOne(db, sql: "SELECT sealedSecret FROM notificationTarget WHERE id = ?", arguments: [id]) }) else {
            return nil
        }
        return try secrets.open(sealed, context: "notification/\(id)")
    }

    /// Queues one delivery, due at once.
    public func enqueueNotification(target: String, app: String, event: NotificationEvent, body: Data, at now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO notificationDelivery (target, app, event, body, state, attempts, nextAttempt, createdAt) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)
                """, arguments: [target, app, event.rawValue, body, now, now])
            let id = db.lastInsertedRowID
            if id % 100 == 0 {
                try db.execute(sql: """
                    DELETE FROM notificationDelivery WHERE target = ? AND state != 'pending' AND id <= (
                        SELECT id FROM notificationDelivery WHERE target = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
                    """, arguments: [target, target, Self.deliveriesKeptPerTarget])
            }
        }
    }

    /// A delivery that is due, with what is needed to send it.
    public struct DueNotification: Sendable {
        public let delivery: NotificationDelivery
        public let url: String
        public let body: Data
    }

    /// Pending deliveries whose time has come, oldest first.
    public func dueNotifications(now: Date = Date(), limit: Int = 20) throws -> [DueNotification] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.*, t.url AS url FROM notificationDelivery d JOIN notificationTarget t ON t.id = d.target
                WHERE d.state = 'pending' AND d.nextAttempt <= ? ORDER BY d.nextAttempt, d.id LIMIT ?
                """, arguments: [now, limit]).compactMap { row in
                guard let delivery = Self.delivery(row) else { return nil }
                return DueNotification(delivery: delivery, url: row["url"], body: row["body"])
            }
        }
    }

    /// When the next pending delivery is due; nil if none is pending.
    public func nextNotificationDue() throws -> Date? {
        try writer.read { db in try Date.fetchOne(db, sql: "SELECT MIN(nextAttempt) FROM notificationDelivery WHERE state = 'pending'") }
    }

    /// Records one attempt: delivered, to be tried again at `nextAttempt`, or (nil) given up.
    public func recordNotificationAttempt(id: Int, delivered: Bool, status: Int?, error: String?, nextAttempt: Date?, at now: Date = Date()) throws {
        let state: NotificationDelivery.State = delivered ? .delivered : (nextAttempt == nil ? .failed : .pending)
        try writer.write { db in
            try db.execute(sql: """
                UPDATE notificationDelivery SET state = ?, attempts = attempts + 1, lastStatus = ?, lastError = ?, nextAttempt = ?, deliveredAt = ?
                WHERE id = ?
                """, arguments: [state.rawValue, status, error, delivered ? nil : nextAttempt, delivered ? now : nil, id])
        }
    }

    /// The newest deliveries (of one app's events, or all), newest first.
    public func notificationLog(app: String? = nil, limit: Int = 100) throws -> [NotificationDelivery] {
        try writer.read { db in
            var sql = "SELECT * FROM notificationDelivery"
            var arguments: StatementArguments = []
            if let app {
                sql += " WHERE app = ?"
                arguments += [app]
            }
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql + " ORDER BY id DESC LIMIT ?", arguments: arguments).compactMap(Self.delivery)
        }
    }

    /// Re-seals every target's secret with the sealing key (inside a key rotation's transaction).
    func resealNotificationSecrets(_ db: Database) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT id, sealedSecret FROM notificationTarget")
        for row in rows {
            let id: String = row["id"]
            let context = "notification/\(id)"
            let resealed = try secrets.seal(try secrets.open(row["sealedSecret"], context: context), context: context)
            try db.execute(sql: "UPDATE notificationTarget SET sealedSecret = ? WHERE id = ?", arguments: [resealed, id])
        }
        return rows.count
    }

    private static func target(_ row: Row) throws -> NotificationTarget {
        let events = try decodeJSON([String].self, row["events"] as String).compactMap(NotificationEvent.init(rawValue:))
        return NotificationTarget(id: row["id"], app: row["app"], url: row["url"], events: events,
                                  format: NotificationFormat(rawValue: row["format"]) ?? .json, createdAt: row["createdAt"])
    }

    private static func delivery(_ row: Row) -> NotificationDelivery? {
        guard let event = NotificationEvent(rawValue: row["event"]), let state = NotificationDelivery.State(rawValue: row["state"]) else { return nil }
        return NotificationDelivery(id: row["id"], target: row["target"], app: row["app"], event: event, state: state, attempts: row["attempts"],
                                    lastStatus: row["lastStatus"], lastError: row["lastError"], nextAttempt: row["nextAttempt"],
                                    createdAt: row["createdAt"], deliveredAt: row["deliveredAt"])
    }
}
