import Foundation
import GRDB

/// The dashboard's signed-in sessions, so that a restart keeps them: the SHA-256 of each session
/// id (never the id itself, which only the browser's cookie holds) and when it expires.
extension SlipwayStore {
    static func registerDashboardSessionMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-dashboard-sessions") { db in
            try db.create(table: "dashboardSession") { t in
                t.primaryKey("idHash", .text)
                t.column("expires", .datetime).notNull().indexed()
            }
        }
    }

    public func saveDashboardSession(idHash: String, expires: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO dashboardSession (idHash, expires) VALUES (?, ?)", arguments: [idHash, expires])
        }
    }

    public func deleteDashboardSession(idHash: String) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM dashboardSession WHERE idHash = ?", arguments: [idHash]) }
    }

    public func dashboardSessions(now: Date) throws -> [(idHash: String, expires: Date)] {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM dashboardSession WHERE expires <= ?", arguments: [now])
            return try Row.fetchAll(db, sql: "SELECT idHash, expires FROM dashboardSession").map { ($0["idHash"], $0["expires"]) }
        }
    }
}
