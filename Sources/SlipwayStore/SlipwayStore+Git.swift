import Foundation
import GRDB
import SlipwayCore

/// An app's git remote settings (`slipway git set`): which branch a `git push` deploys. An app
/// with settings takes pushes before its first release (the push creates it).
public struct GitRemoteRecord: Sendable, Equatable {
    public var app: AppName
    public var branch: String
    public var updatedAt: Date
}

extension SlipwayStore {
    public static let defaultDeployBranch = "main"

    public func gitRemote(of app: AppName) throws -> GitRemoteRecord? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM gitRemote WHERE app = ?", arguments: [app.value]).map { row in
                GitRemoteRecord(app: app, branch: row["branch"], updatedAt: row["updatedAt"])
            }
        }
    }

    @discardableResult
    public func setGitRemote(_ app: AppName, branch: String, now: Date = Date()) throws -> GitRemoteRecord {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO gitRemote (app, branch, updatedAt) VALUES (?, ?, ?)
                ON CONFLICT(app) DO UPDATE SET branch = excluded.branch, updatedAt = excluded.updatedAt
                """, arguments: [app.value, branch, now])
        }
        return GitRemoteRecord(app: app, branch: branch, updatedAt: now)
    }

    /// When the app is destroyed.
    public func removeGitRemote(_ app: AppName) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM gitRemote WHERE app = ?", arguments: [app.value]) }
    }

    static func registerGitMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-git-remotes") { db in
            try db.create(table: "gitRemote") { t in
                t.primaryKey("app", .text)
                t.column("branch", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
        }
    }
}
