import Foundation
import GRDB

/// A user's public key as stored: it may push over SSH while it is in this table.
public struct SSHKeyRecord: Sendable, Equatable {
    public var name: String
    /// `SHA256:...` of the key's wire form; unique.
    public var fingerprint: String
    public var type: String
    /// `TYPE BASE64`, without the comment.
    public var publicKey: String
    public var comment: String?
    public var addedAt: Date
    /// The apps it may push to and fetch from; nil: every app.
    public var apps: [String]?

    public init(name: String, fingerprint: String, type: String, publicKey: String, comment: String?, addedAt: Date, apps: [String]? = nil) {
        (self.name, self.fingerprint, self.type, self.publicKey, self.comment, self.addedAt) = (name, fingerprint, type, publicKey, comment, addedAt)
        self.apps = apps
    }

    /// Whether this key may push to (or fetch from) `app`.
    public func allows(_ app: String) -> Bool { apps?.contains(app) ?? true }
}

/// Users' SSH keys (`slipway keys`): a name and a fingerprint each, both unique.
extension SlipwayStore {
    public enum SSHKeyConflict: Sendable, Equatable {
        case name(SSHKeyRecord)
        case fingerprint(SSHKeyRecord)
    }

    /// Adds the key, unless one with its name or fingerprint is there: then that one is returned.
    public func addSSHKey(_ key: SSHKeyRecord) throws -> SSHKeyConflict? {
        try writer.write { db in
            if let existing = try Self.sshKey(db, "fingerprint", key.fingerprint) { return .fingerprint(existing) }
            if let existing = try Self.sshKey(db, "name", key.name) { return .name(existing) }
            try db.execute(sql: """
                INSERT INTO ssh_key (name, fingerprint, type, publicKey, comment, addedAt, apps) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key.name, key.fingerprint, key.type, key.publicKey, key.comment, key.addedAt,
                                 try key.apps.map { try Self.encodeJSON($0) }])
            return nil
        }
    }

    /// Removes the key with this name or fingerprint; returns it, nil if there was none.
    public func removeSSHKey(nameOrFingerprint: String) throws -> SSHKeyRecord? {
        try writer.write { db in
            let column = nameOrFingerprint.hasPrefix("SHA256:") ? "fingerprint" : "name"
            guard let existing = try Self.sshKey(db, column, nameOrFingerprint) else { return nil }
            try db.execute(sql: "DELETE FROM ssh_key WHERE fingerprint = ?", arguments: [existing.fingerprint])
            return existing
        }
    }

    /// Every key, by name.
    public func sshKeys() throws -> [SSHKeyRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ssh_key ORDER BY name").map { try Self.sshKey($0) }
        }
    }

    /// The key with this fingerprint, if listed (asked at every SSH authentication).
    public func sshKey(fingerprint: String) throws -> SSHKeyRecord? {
        try writer.read { db in try Self.sshKey(db, "fingerprint", fingerprint) }
    }

    private static func sshKey(_ db: Database, _ column: String, _ value: String) throws -> SSHKeyRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM ssh_key WHERE \(column) = ?", arguments: [value]).map { try sshKey($0) }
    }

    private static func sshKey(_ row: Row) throws -> SSHKeyRecord {
        let apps: String? = row["apps"]
        return SSHKeyRecord(name: row["name"], fingerprint: row["fingerprint"], type: row["type"], publicKey: row["publicKey"],
                            comment: row["comment"], addedAt: row["addedAt"], apps: try apps.map { try decodeJSON([String].self, $0) })
    }

    static func registerSSHKeyMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-ssh-keys") { db in
            try db.create(table: "ssh_key") { t in
                t.primaryKey("fingerprint", .text)
                t.column("name", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("publicKey", .text).notNull()
                t.column("comment", .text)
                t.column("addedAt", .datetime).notNull()
            }
        }
        // Keys limited to some apps (`keys add --app`): a JSON array of app names; NULL: every app.
        migrator.registerMigration("v5-ssh-key-apps") { db in
            try db.alter(table: "ssh_key") { t in t.add(column: "apps", .text) }
        }
    }
}
