import Foundation
import GRDB
import SlipwayCore
import SlipwaySecrets

/// An app's git connection as stored: the webhook's repository and forge (the branch that deploys
/// is the app's deploy branch, `deployBranch(of:)`, shared with pushes); its secrets
/// (the webhook secret, an https token, the deploy key's private half) sealed like secret config.
public struct GitConnection: Sendable {
    public var app: AppName
    /// As shown: credentials redacted (`https://***@host/...`).
    public var repo: String
    public var forge: Forge
    public var webhookSecret: String
    /// From an `https://user:token@host/...` repository URL.
    public var credentials: (username: String, password: String)?
    /// OpenSSH private key (openssh-key-v1, unencrypted) and its public line.
    public var deployKey: (privateKey: String, publicKey: String)?
    /// known_hosts lines pinned for the repository's host.
    public var knownHosts: [String]
    public var createdAt: Date
}

extension SlipwayStore {
    static func registerGitConnectionMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-git-connections") { db in
            try db.create(table: "gitConnection") { t in
                t.primaryKey("app", .text)
                t.column("repo", .text).notNull()
                t.column("branch", .text).notNull()
                t.column("forge", .text).notNull()
                // Sealed JSON: {"webhookSecret", "username", "password", "privateKey"}.
                t.column("sealed", .text).notNull()
                t.column("publicKey", .text)
                t.column("knownHosts", .text)
                t.column("createdAt", .datetime).notNull()
            }
            // Deliveries already handled, per app: a replayed delivery id or signed body is ignored.
            try db.create(table: "webhookDelivery") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("app", .text).notNull()
                t.column("deliveryId", .text).notNull()
                t.column("bodyDigest", .text).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.uniqueKey(["app", "deliveryId"])
                t.uniqueKey(["app", "bodyDigest"])
            }
        }
    }

    private struct SealedGitSecrets: Codable {
        var webhookSecret: String
        var username: String?
        var password: String?
        var privateKey: String?
    }

    private static func gitContext(_ app: AppName) -> String { "\(app)/git-connection" }

    /// Connects (or reconnects) the app; a new webhook secret replaces the old one, a deploy key and
    /// pinned host keys stay. `branch`, when given, becomes the app's deploy branch (pushes too).
    public func connectGit(app: AppName, repo: String, branch: String?, forge: Forge, webhookSecret: String,
                           credentials: (username: String, password: String)?, now: Date = Date()) throws {
        try writer.write { db in
            if let branch { try Self.setDeployBranch(app, branch: branch, now: now, db) }
            let previous = try gitConnection(app, db)
            let secrets = SealedGitSecrets(webhookSecret: webhookSecret, username: credentials?.username, password: credentials?.password,
                                           privateKey: previous?.deployKey?.privateKey)
            let sealed = try self.secrets.seal(try Self.encodeJSON(secrets), context: Self.gitContext(app))
            try db.execute(sql: """
                INSERT INTO gitConnection (app, repo, forge, sealed, publicKey, knownHosts, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(app) DO UPDATE SET repo = excluded.repo, forge = excluded.forge,
                    sealed = excluded.sealed, createdAt = excluded.createdAt
                """, arguments: [app.value, repo, forge.rawValue, sealed, previous?.deployKey?.publicKey,
                                 previous.map { try Self.encodeJSON($0.knownHosts) }, now])
            try db.execute(sql: "DELETE FROM webhookDelivery WHERE app = ?", arguments: [app.value])
        }
    }

    /// Stores a deploy key (and, when given, the pinned host keys) for a connected app; false if it is not connected.
    public func setDeployKey(app: AppName, privateKey: String?, publicKey: String?, knownHosts: [String]?) throws -> Bool {
        try writer.write { db in
            guard var connection = try gitConnection(app, db) else { return false }
            if let privateKey, let publicKey { connection.deployKey = (privateKey, publicKey) }
            if let knownHosts { connection.knownHosts = knownHosts }
            let secrets = SealedGitSecrets(webhookSecret: connection.webhookSecret, username: connection.credentials?.username,
                                           password: connection.credentials?.password, privateKey: connection.deployKey?.privateKey)
            try db.execute(sql: "UPDATE gitConnection SET sealed = ?, publicKey = ?, knownHosts = ? WHERE app = ?",
                           arguments: [try self.secrets.seal(try Self.encodeJSON(secrets), context: Self.gitContext(app)),
                                       connection.deployKey?.publicKey, try Self.encodeJSON(connection.knownHosts), app.value])
            return true
        }
    }

    public func gitConnection(_ app: AppName) throws -> GitConnection? {
        try writer.read { db in try gitConnection(app, db) }
    }

    /// Whether there was one.
    public func disconnectGit(_ app: AppName) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM gitConnection WHERE app = ?", arguments: [app.value])
            let removed = db.changesCount > 0
            try db.execute(sql: "DELETE FROM webhookDelivery WHERE app = ?", arguments: [app.value])
            return removed
        }
    }

    private func gitConnection(_ app: AppName, _ db: Database) throws -> GitConnection? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM gitConnection WHERE app = ?", arguments: [app.value]) else { return nil }
        let opened: SealedGitSecrets
        do {
            opened = try Self.decodeJSON(SealedGitSecrets.self, try secrets.open(row["sealed"], context: Self.gitContext(app)))
        } catch {
            throw SlipwayError.internal("the git connection's secrets of \(app) cannot be opened: \(error)")
        }
        let publicKey: String? = row["publicKey"]
        let knownHosts: String? = row["knownHosts"]
        return GitConnection(
            app: app, repo: row["repo"], forge: Forge(rawValue: row["forge"]) ?? .github,
            webhookSecret: opened.webhookSecret,
            credentials: opened.username.map { ($0, opened.password ?? "") },
            deployKey: opened.privateKey.flatMap { key in publicKey.map { (key, $0) } },
            knownHosts: try knownHosts.map { try Self.decodeJSON([String].self, $0) } ?? [],
            createdAt: row["createdAt"])
    }

    /// Records a delivery, unless its id or its body was seen before for this app: then false
    /// (a replay). Keeps the newest `keep` per app.
    public func recordDelivery(app: AppName, deliveryId: String, bodyDigest: String, keep: Int = 1000, now: Date = Date()) throws -> Bool {
        try writer.write { db in
            let seen = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM webhookDelivery WHERE app = ? AND (deliveryId = ? OR bodyDigest = ?))
                """, arguments: [app.value, deliveryId, bodyDigest]) ?? false
            if seen { return false }
            try db.execute(sql: "INSERT INTO webhookDelivery (app, deliveryId, bodyDigest, receivedAt) VALUES (?, ?, ?, ?)",
                           arguments: [app.value, deliveryId, bodyDigest, now])
            try db.execute(sql: """
                DELETE FROM webhookDelivery WHERE app = ? AND seq <= (
                    SELECT seq FROM webhookDelivery WHERE app = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)
                """, arguments: [app.value, app.value, keep])
            return true
        }
    }

    /// Forgets a delivery that was not handled (it failed), so the forge's redelivery is not a replay.
    public func forgetDelivery(app: AppName, deliveryId: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM webhookDelivery WHERE app = ? AND deliveryId = ?", arguments: [app.value, deliveryId])
        }
    }

    /// Deliveries remembered for the app (tests and the bound's check).
    public func deliveryCount(app: AppName) throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhookDelivery WHERE app = ?", arguments: [app.value]) ?? 0 }
    }

    /// Re-seals every git connection's secrets (inside a key rotation's transaction).
    func resealGitConnections(_ db: Database) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT app, sealed FROM gitConnection")
        for row in rows {
            let app = try DNSLabel(row["app"] as String)
            let context = Self.gitContext(app)
            let resealed = try secrets.seal(try secrets.open(row["sealed"], context: context), context: context)
            try db.execute(sql: "UPDATE gitConnection SET sealed = ? WHERE app = ?", arguments: [resealed, app.value])
        }
        return rows.count
    }

    /// Called by `deleteApp`, in its transaction.
    static func deleteGitConnection(of app: AppName, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM gitConnection WHERE app = ?", arguments: [app.value])
        try db.execute(sql: "DELETE FROM webhookDelivery WHERE app = ?", arguments: [app.value])
    }
}
