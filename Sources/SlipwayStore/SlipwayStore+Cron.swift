import Foundation
import GRDB
import SlipwayCore

/// Runs of scheduled jobs: recorded when they start (or are skipped) and completed when they end.
/// The newest `cronRunsKeptPerJob` of each job are kept. A job's latest `scheduledFor` is the slot
/// it last handled: after a restart, a later due slot means runs were missed.
extension SlipwayStore {
    public static let cronRunsKeptPerJob = 100

    static func registerCronMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-cron-runs") { db in
            try db.create(table: "cronRun") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("app", .text).notNull()
                t.column("job", .text).notNull()
                t.column("release", .integer).notNull()
                t.column("trigger", .text).notNull()
                t.column("scheduledFor", .datetime)
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("status", .text).notNull()
                t.column("exitCode", .integer)
                t.column("message", .text)
            }
            try db.create(index: "cronRun_app_job", on: "cronRun", columns: ["app", "job", "id"])
        }
    }

    /// Records a run that starts now (`status` running) or was skipped; returns it with its id.
    public func recordCronRun(_ run: CronRun) throws -> CronRun {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO cronRun (app, job, release, trigger, scheduledFor, startedAt, finishedAt, status, exitCode, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.app, run.job, run.release, run.trigger.rawValue, run.scheduledFor, run.startedAt,
                                 run.finishedAt, run.status.rawValue, run.exitCode, run.message])
            var recorded = run
            recorded.id = Int(db.lastInsertedRowID)
            try db.execute(sql: """
                DELETE FROM cronRun WHERE app = ? AND job = ? AND id <= (
                    SELECT id FROM cronRun WHERE app = ? AND job = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
                """, arguments: [run.app, run.job, run.app, run.job, Self.cronRunsKeptPerJob])
            return recorded
        }
    }

    public func finishCronRun(id: Int, status: CronRun.Status, exitCode: Int?, message: String?, at time: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE cronRun SET status = ?, exitCode = ?, message = ?, finishedAt = ? WHERE id = ?",
                           arguments: [status.rawValue, exitCode, message, time, id])
        }
    }

    /// Runs a killed server left `running` end `interrupted`; returns how many.
    @discardableResult
    public func interruptRunningCronRuns(at time: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE cronRun SET status = 'interrupted', finishedAt = ?, message = 'the server stopped while it ran'
                WHERE status = 'running'
                """, arguments: [time])
            return db.changesCount
        }
    }

    /// The newest runs of an app (of one job when given), newest first.
    public func cronRuns(app: AppName, job: String? = nil, limit: Int = 20) throws -> [CronRun] {
        try writer.read { db in
            var sql = "SELECT * FROM cronRun WHERE app = ?"
            var arguments: StatementArguments = [app.value]
            if let job {
                sql += " AND job = ?"
                arguments += [job]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap(Self.cronRun)
        }
    }

    /// The latest schedule slot a job ran for (or skipped), if any.
    public func lastCronSlot(app: AppName, job: String) throws -> Date? {
        try writer.read { db in
            try Date.fetchOne(db, sql: "SELECT MAX(scheduledFor) FROM cronRun WHERE app = ? AND job = ?", arguments: [app.value, job])
        }
    }

    static func deleteCronRuns(of app: AppName, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM cronRun WHERE app = ?", arguments: [app.value])
    }

    private static func cronRun(_ row: Row) -> CronRun? {
        guard let trigger = CronRun.Trigger(rawValue: row["trigger"]), let status = CronRun.Status(rawValue: row["status"]) else { return nil }
        return CronRun(id: row["id"], app: row["app"], job: row["job"], release: row["release"], trigger: trigger,
                       scheduledFor: row["scheduledFor"], startedAt: row["startedAt"], finishedAt: row["finishedAt"],
                       status: status, exitCode: row["exitCode"], message: row["message"])
    }
}
