import Foundation
import GRDB
import SlipwayCore

/// An app's deploy branch: the one branch whose pushes deploy, whether they come by `git push` to
/// the server or by a forge's webhook (`slipway git set APP --branch B`, `git connect --branch B`).
/// An app with a record takes pushes before its first release (the push creates it).
public struct GitRemoteRecord: Sendable, Equatable {
    public var app: AppName
    public var branch: String
    public var updatedAt: Date
}

extension SlipwayStore {
    public static let defaultDeployBranch = "main"

    /// The app's deploy branch as set; nil: never set (`defaultDeployBranch` deploys).
    public func deployBranch(of app: AppName) throws -> GitRemoteRecord? {
        try writer.read { db in try Self.deployBranch(of: app, db) }
    }

    static func deployBranch(of app: AppName, _ db: Database) throws -> GitRemoteRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM gitRemote WHERE app = ?", arguments: [app.value]).map { row in
            GitRemoteRecord(app: app, branch: row["branch"], updatedAt: row["updatedAt"])
        }
    }

    @discardableResult
    public func setDeployBranch(_ app: AppName, branch: String, now: Date = Date()) throws -> GitRemoteRecord {
        try writer.write { db in try Self.setDeployBranch(app, branch: branch, now: now, db) }
    }

    @discardableResult
    static func setDeployBranch(_ app: AppName, branch: String, now: Date, _ db: Database) throws -> GitRemoteRecord {
        try db.execute(sql: """
            INSERT INTO gitRemote (app, branch, updatedAt) VALUES (?, ?, ?)
            ON CONFLICT(app) DO UPDATE SET branch = excluded.branch, updatedAt = excluded.updatedAt
            """, arguments: [app.value, branch, now])
        return GitRemoteRecord(app: app, branch: branch, updatedAt: now)
    }

    /// Called by `deleteApp`, in its transaction.
    static func deleteDeployBranch(of app: AppName, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM gitRemote WHERE app = ?", arguments: [app.value])
    }

    static func registerGitMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-git-remotes") { db in
            try db.create(table: "gitRemote") { t in
                t.primaryKey("app", .text)
                t.column("branch", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
        }
        // Pushes (gitRemote.branch) and webhooks (gitConnection.branch) each had a branch setting;
        // now gitRemote holds the one deploy branch. Where both were set, the one set last wins
        // (datetimes are stored as sortable text).
        migrator.registerMigration("v5-one-deploy-branch") { db in
            try db.execute(sql: """
                INSERT INTO gitRemote (app, branch, updatedAt)
                SELECT app, branch, createdAt FROM gitConnection WHERE true
                ON CONFLICT(app) DO UPDATE SET branch = excluded.branch, updatedAt = excluded.updatedAt
                WHERE excluded.updatedAt > gitRemote.updatedAt
                """)
            try db.execute(sql: "ALTER TABLE gitConnection DROP COLUMN branch")
        }
    }
}
