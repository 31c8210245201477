import Foundation
import GRDB
import SlipwayCore

/// A schedule of backups of one add-on (`slipway backups schedule`).
public struct BackupSchedule: Sendable, Equatable {
    public var app: AppName
    public var addon: DNSLabel
    /// Cron expression (checked by the caller with the Cron library).
    public var schedule: String
    public var keep: Int
    public var createdAt: Date
    /// The slot of the last scheduled run (nil: none yet).
    public var lastRunAt: Date?

    public init(app: AppName, addon: DNSLabel, schedule: String, keep: Int, createdAt: Date, lastRunAt: Date? = nil) {
        (self.app, self.addon, self.schedule, self.keep, self.createdAt, self.lastRunAt) = (app, addon, schedule, keep, createdAt, lastRunAt)
    }
}

extension SlipwayStore {
    static func registerBackupScheduleMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-backup-schedules") { db in
            try db.create(table: "backup_schedule") { t in
                t.column("app", .text).notNull()
                t.column("addon", .text).notNull()
                t.column("schedule", .text).notNull()
                t.column("keep", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("lastRunAt", .datetime)
                t.primaryKey(["app", "addon"])
            }
        }
    }

    /// Sets (or replaces) the add-on's schedule; a replaced one keeps its last run.
    public func setBackupSchedule(_ schedule: BackupSchedule) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO backup_schedule (app, addon, schedule, keep, createdAt, lastRunAt) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (app, addon) DO UPDATE SET schedule = excluded.schedule, keep = excluded.keep
                """, arguments: [schedule.app.value, schedule.addon.value, schedule.schedule, schedule.keep, schedule.createdAt, schedule.lastRunAt])
        }
    }

    /// Whether there was a schedule (and is none now).
    public func deleteBackupSchedule(app: AppName, addon: DNSLabel) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM backup_schedule WHERE app = ? AND addon = ?", arguments: [app.value, addon.value])
            return db.changesCount > 0
        }
    }

    /// Every schedule, or the app's, by app and add-on.
    public func backupSchedules(of app: AppName? = nil) throws -> [BackupSchedule] {
        try writer.read { db in
            let rows = try app.map { try Row.fetchAll(db, sql: "SELECT * FROM backup_schedule WHERE app = ? ORDER BY addon", arguments: [$0.value]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM backup_schedule ORDER BY app, addon")
            return try rows.map { row in
                BackupSchedule(app: try DNSLabel(row["app"] as String), addon: try DNSLabel(row["addon"] as String, kind: "add-on name"),
                               schedule: row["schedule"], keep: row["keep"], createdAt: row["createdAt"], lastRunAt: row["lastRunAt"])
            }
        }
    }

    public func recordBackupScheduleRun(app: AppName, addon: DNSLabel, at slot: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE backup_schedule SET lastRunAt = ? WHERE app = ? AND addon = ?", arguments: [slot, app.value, addon.value])
        }
    }
}
