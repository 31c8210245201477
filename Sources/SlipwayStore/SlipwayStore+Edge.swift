import Foundation
import GRDB
import SlipwayCore

/// A custom host as stored: which app (and service) it routes to.
public struct DomainRecord: Sendable, Equatable {
    public var host: DomainName
    public var app: AppName
    /// nil: the app's default service.
    public var service: String?
    public var createdAt: Date
}

/// An app in maintenance mode.
public struct MaintenanceRecord: Sendable, Equatable {
    public var app: AppName
    public var message: String?
    public var since: Date
    /// What the page's `Retry-After` says (`--retry-after`), nil for the default.
    public var retryAfterSeconds: Int?
}

/// What the router serves besides replicas, kept here so a restart serves it again: each app's
/// custom hosts (a host belongs to one app) and its maintenance mode. Both go with the app.
extension SlipwayStore {
    /// Routes `host` to `app`; returns the app that already owns the host instead, if another one does
    /// (the caller answers 409 naming it). Adding a host the app already has updates its service.
    public func addDomain(_ host: DomainName, app: AppName, service: String?, now: Date = Date()) throws -> AppName? {
        try writer.write { db in
            if let owner = try String.fetchOne(db, sql: "SELECT app FROM domain WHERE host = ?", arguments: [host.value]),
               owner != app.value {
                return try DNSLabel(owner)
            }
            try db.execute(sql: """
                INSERT INTO domain (host, app, service, createdAt) VALUES (?, ?, ?, ?)
                ON CONFLICT(host) DO UPDATE SET service = excluded.service
                """, arguments: [host.value, app.value, service, now])
            return nil
        }
    }

    /// Whether the host was the app's (and is gone now).
    public func removeDomain(_ host: DomainName, app: AppName) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM domain WHERE host = ? AND app = ?", arguments: [host.value, app.value])
            return db.changesCount > 0
        }
    }

    /// The app's hosts, or every app's when `app` is nil, sorted by host.
    public func domains(of app: AppName? = nil) throws -> [DomainRecord] {
        try writer.read { db in
            let rows = try app.map { try Row.fetchAll(db, sql: "SELECT * FROM domain WHERE app = ? ORDER BY host", arguments: [$0.value]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM domain ORDER BY host")
            return try rows.map { row in
                DomainRecord(host: try DomainName(row["host"] as String), app: try DNSLabel(row["app"] as String),
                             service: row["service"], createdAt: row["createdAt"])
            }
        }
    }

    /// Turns maintenance mode on (or changes its message and `Retry-After`).
    public func setMaintenance(app: AppName, message: String?, retryAfterSeconds: Int? = nil, now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO maintenance (app, message, since, retryAfterSeconds) VALUES (?, ?, ?, ?)
                ON CONFLICT(app) DO UPDATE SET message = excluded.message, retryAfterSeconds = excluded.retryAfterSeconds
                """, arguments: [app.value, message, now, retryAfterSeconds])
        }
    }

    public func clearMaintenance(app: AppName) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM maintenance WHERE app = ?", arguments: [app.value]) }
    }

    /// The app's maintenance mode if on, or every app's in maintenance when `app` is nil.
    public func maintenance(of app: AppName? = nil) throws -> [MaintenanceRecord] {
        try writer.read { db in
            let rows = try app.map { try Row.fetchAll(db, sql: "SELECT * FROM maintenance WHERE app = ?", arguments: [$0.value]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM maintenance ORDER BY app")
            return try rows.map {
                MaintenanceRecord(app: try DNSLabel($0["app"] as String), message: $0["message"], since: $0["since"],
                                  retryAfterSeconds: $0["retryAfterSeconds"])
            }
        }
    }

    /// Called by `deleteApp`, in its transaction.
    static func deleteEdge(of app: AppName, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM domain WHERE app = ?", arguments: [app.value])
        try db.execute(sql: "DELETE FROM maintenance WHERE app = ?", arguments: [app.value])
    }

    static func registerEdgeMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-domains-maintenance") { db in
            try db.create(table: "domain") { t in
                t.primaryKey("host", .text)
                t.column("app", .text).notNull().indexed()
                t.column("service", .text)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "maintenance") { t in
                t.primaryKey("app", .text)
                t.column("message", .text)
                t.column("since", .datetime).notNull()
            }
        }
        migrator.registerMigration("v5-maintenance-retry-after") { db in
            try db.alter(table: "maintenance") { t in t.add(column: "retryAfterSeconds", .integer) }
        }
    }
}
