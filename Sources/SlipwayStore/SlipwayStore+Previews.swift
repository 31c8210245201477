import Foundation
import GRDB
import SlipwayCore

/// Preview settings of a parent app.
public struct PreviewSettings: Sendable, Equatable {
    public var ttlSeconds: Int
    public var max: Int
    public init(ttlSeconds: Int, max: Int) { (self.ttlSeconds, self.max) = (ttlSeconds, max) }
}

/// A preview app (`APP-pr-N`) as stored: which pull/merge request of which parent it shows.
public struct PreviewRecord: Sendable, Equatable {
    public var app: AppName
    public var parent: AppName
    public var number: Int
    public var commit: String
    public var branch: String?
    /// The last time a webhook updated it: the TTL counts from here.
    public var updatedAt: Date
}

extension SlipwayStore {
    static func registerPreviewMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-previews") { db in
            try db.create(table: "previewSettings") { t in
                t.primaryKey("app", .text)
                t.column("ttlSeconds", .integer).notNull()
                t.column("max", .integer).notNull()
            }
            try db.create(table: "preview") { t in
                t.primaryKey("app", .text)
                t.column("parent", .text).notNull().indexed()
                t.column("number", .integer).notNull()
                t.column("headCommit", .text).notNull()
                t.column("branch", .text)
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["parent", "number"])
            }
        }
    }

    public func setPreviewSettings(app: AppName, _ settings: PreviewSettings?) throws {
        try writer.write { db in
            if let settings {
                try db.execute(sql: """
                    INSERT INTO previewSettings (app, ttlSeconds, max) VALUES (?, ?, ?)
                    ON CONFLICT(app) DO UPDATE SET ttlSeconds = excluded.ttlSeconds, max = excluded.max
                    """, arguments: [app.value, settings.ttlSeconds, settings.max])
            } else {
                try db.execute(sql: "DELETE FROM previewSettings WHERE app = ?", arguments: [app.value])
            }
        }
    }

    public func previewSettings(of app: AppName) throws -> PreviewSettings? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM previewSettings WHERE app = ?", arguments: [app.value])
                .map { PreviewSettings(ttlSeconds: $0["ttlSeconds"], max: $0["max"]) }
        }
    }

    public enum PreviewClaim: Sendable, Equatable {
        case claimed(PreviewRecord)
        /// The parent already has `max` previews (the others' numbers).
        case full(max: Int, numbers: [Int])
    }

    /// Records that PR `number` of `parent` now shows `commit`: a new preview if there is room under
    /// the parent's max, else the existing one updated. One transaction, so two deliveries at once
    /// cannot both take the last place.
    public func claimPreview(parent: AppName, number: Int, commit: String, branch: String?, max: Int, now: Date = Date()) throws -> PreviewClaim {
        let app = try Self.previewApp(parent: parent, number: number)
        return try writer.write { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM preview WHERE app = ?)", arguments: [app.value]) ?? false
            if !exists {
                let numbers = try Int.fetchAll(db, sql: "SELECT number FROM preview WHERE parent = ? ORDER BY number", arguments: [parent.value])
                if numbers.count >= max { return .full(max: max, numbers: numbers) }
            }
            try db.execute(sql: """
                INSERT INTO preview (app, parent, number, headCommit, branch, updatedAt) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(app) DO UPDATE SET headCommit = excluded.headCommit, branch = excluded.branch, updatedAt = excluded.updatedAt
                """, arguments: [app.value, parent.value, number, commit, branch, now])
            return .claimed(PreviewRecord(app: app, parent: parent, number: number, commit: commit, branch: branch, updatedAt: now))
        }
    }

    /// `APP-pr-N`, checked as an app name (a long parent name can make it too long).
    public static func previewApp(parent: AppName, number: Int) throws -> AppName {
        do {
            return try DNSLabel("\(parent.value)-pr-\(number)")
        } catch {
            throw SlipwayError.invalidRequest("the preview of #\(number) would be named \(parent.value)-pr-\(number), which is not a valid app name (63 characters at most): previews need a shorter app name")
        }
    }

    /// The parent's previews by number, or every preview when `parent` is nil.
    public func previews(of parent: AppName? = nil) throws -> [PreviewRecord] {
        try writer.read { db in
            let rows = try parent.map { try Row.fetchAll(db, sql: "SELECT * FROM preview WHERE parent = ? ORDER BY number", arguments: [$0.value]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM preview ORDER BY parent, number")
            return try rows.map(Self.previewRecord)
        }
    }

    /// The preview record of an app, if it is one.
    public func preview(_ app: AppName) throws -> PreviewRecord? {
        try writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM preview WHERE app = ?", arguments: [app.value]).map(Self.previewRecord) }
    }

    public func forgetPreview(_ app: AppName) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM preview WHERE app = ?", arguments: [app.value]) }
    }

    private static func previewRecord(_ row: Row) throws -> PreviewRecord {
        PreviewRecord(app: try DNSLabel(row["app"] as String), parent: try DNSLabel(row["parent"] as String), number: row["number"],
                      commit: row["headCommit"], branch: row["branch"], updatedAt: row["updatedAt"])
    }

    /// Called by `deleteApp`, in its transaction: a preview's record goes with it; a parent's settings too.
    static func deletePreviewRecords(of app: AppName, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM preview WHERE app = ?", arguments: [app.value])
        try db.execute(sql: "DELETE FROM previewSettings WHERE app = ?", arguments: [app.value])
    }
}
