import Foundation

/// What a verification restore found (`backup.verified` / `backup.failed`).
public struct BackupVerificationView: Codable, Sendable, Equatable {
    /// `verified` or `failed`.
    public var status: String
    public var at: Date
    /// What was checked, or why it failed: "3 tables, 1200 rows" / "pg_restore: ...".
    public var message: String
    /// Postgres: tables restored into the scratch database, and their rows.
    public var tables: Int?
    public var rows: Int64?
    /// Redis: keys the scratch server loaded from the RDB file.
    public var keys: Int64?
    /// What the restore was compared with: the source's tables and their rows in the dump's
    /// snapshot (Postgres), its keys right before the dump (Redis).
    public var sourceTables: Int?
    public var sourceRows: Int64?
    public var sourceKeys: Int64?

    public init(status: String, at: Date, message: String, tables: Int? = nil, rows: Int64? = nil, keys: Int64? = nil) {
        (self.status, self.at, self.message, self.tables, self.rows, self.keys) = (status, at, message, tables, rows, keys)
    }
}

/// One backup of an add-on as the API shows it.
public struct BackupView: Codable, Sendable, Equatable {
    public var id: String
    public var app: String
    public var addon: String
    /// `postgres` or `redis`.
    public var type: String
    public var createdAt: Date
    public var sizeBytes: Int64
    /// Hex SHA-256 of the stored bytes (checked again before every restore).
    public var sha256: String
    /// Seconds the dump took.
    public var durationSeconds: Double
    /// nil until the verification restore ran.
    public var verification: BackupVerificationView?

    public init(id: String, app: String, addon: String, type: String, createdAt: Date, sizeBytes: Int64, sha256: String,
                durationSeconds: Double, verification: BackupVerificationView?) {
        (self.id, self.app, self.addon, self.type, self.createdAt, self.sizeBytes, self.sha256, self.durationSeconds, self.verification)
            = (id, app, addon, type, createdAt, sizeBytes, sha256, durationSeconds, verification)
    }
}

/// `GET /v1/apps/{app}/backups`: newest first.
public struct BackupList: Codable, Sendable {
    public var app: String
    public var backups: [BackupView]
    public var schedules: [BackupScheduleView]
    public init(app: String, backups: [BackupView], schedules: [BackupScheduleView]) {
        (self.app, self.backups, self.schedules) = (app, backups, schedules)
    }
}

/// One line of `POST /v1/apps/{app}/addons/{name}/backups` (newline-delimited JSON): progress
/// while the dump streams, then the finished backup (verified or not), or the error.
public struct BackupProgress: Codable, Sendable {
    /// `dump`, `store`, `verify`.
    public var stage: String?
    /// Bytes dumped so far.
    public var bytes: Int64?
    public var backup: BackupView?
    public var error: String?
    public init(stage: String? = nil, bytes: Int64? = nil, backup: BackupView? = nil, error: String? = nil) {
        (self.stage, self.bytes, self.backup, self.error) = (stage, bytes, backup, error)
    }
}

/// `POST /v1/apps/{app}/addons/{name}/backups/{id}/restore`.
public struct BackupRestoreRequest: Codable, Sendable {
    /// Must be `APP/NAME`: a restore replaces the add-on's data.
    public var confirm: String?
    /// Restore into a new add-on of this name beside the original (created first) instead.
    public var into: String?
    public init(confirm: String?, into: String? = nil) {
        (self.confirm, self.into) = (confirm, into)
    }
}

/// The answer to a restore.
public struct BackupRestored: Codable, Sendable {
    public var app: String
    public var addon: String
    public var backup: String
    /// The add-on the data went into (the original, or `--into`'s new one).
    public var into: String
    public var message: String
    /// With `--into`: the release that gives the app the new add-on's URL.
    public var traceId: String?
    public init(app: String, addon: String, backup: String, into: String, message: String, traceId: String?) {
        (self.app, self.addon, self.backup, self.into, self.message, self.traceId) = (app, addon, backup, into, message, traceId)
    }
}

/// `PUT /v1/apps/{app}/addons/{name}/backup-schedule`.
public struct BackupScheduleRequest: Codable, Sendable {
    /// 5-field cron expression or `@daily`-style name, in the server's time zone.
    public var schedule: String
    /// Verified backups kept; older ones (and failed ones older than the oldest kept) are deleted.
    public var keep: Int
    public init(schedule: String, keep: Int) {
        (self.schedule, self.keep) = (schedule, keep)
    }
}

public struct BackupScheduleView: Codable, Sendable, Equatable {
    public var app: String
    public var addon: String
    public var schedule: String
    public var keep: Int
    public var nextRun: Date?
    public var lastRun: Date?
    public init(app: String, addon: String, schedule: String, keep: Int, nextRun: Date?, lastRun: Date?) {
        (self.app, self.addon, self.schedule, self.keep, self.nextRun, self.lastRun) = (app, addon, schedule, keep, nextRun, lastRun)
    }
}
