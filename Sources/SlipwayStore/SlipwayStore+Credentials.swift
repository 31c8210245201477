import Foundation
import GRDB
import SlipwayCore
import SlipwaySecrets

/// Credentials a deploy's git URL carried (`https://user:token@host/...`): kept apart from the
/// deploy's source (which shows the URL redacted), sealed like secret config values, and taken
/// (read and deleted) by the fetch stage that needs them.
extension SlipwayStore {
    static func registerCredentialMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-deploy-credentials") { db in
            try db.create(table: "deployCredential") { t in
                t.primaryKey("traceId", .text).references("deploy", column: "traceId", onDelete: .cascade)
                t.column("sealed", .text).notNull()
            }
        }
    }

    public func setDeployCredentials(_ traceId: String, username: String, password: String) throws {
        try writer.write { db in
            // Sealed inside the write, so a key rotation (one write transaction) sees it before or after, never half.
            let sealed = try secrets.seal(try Self.encodeJSON([username, password]), context: "deploy/\(traceId)/git")
            try db.execute(sql: "INSERT OR REPLACE INTO deployCredential (traceId, sealed) VALUES (?, ?)", arguments: [traceId, sealed])
        }
    }

    /// Re-seals every stored credential with the sealing key (inside a key rotation's transaction).
    func resealDeployCredentials(_ db: Database) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT traceId, sealed FROM deployCredential")
        for row in rows {
            let traceId: String = row["traceId"]
            let context = "deploy/\(traceId)/git"
            let resealed = try secrets.seal(try secrets.open(row["sealed"], context: context), context: context)
            try db.execute(sql: "UPDATE deployCredential SET sealed = ? WHERE traceId = ?", arguments: [resealed, traceId])
        }
        return rows.count
    }

    /// The deploy's credentials, deleted as they are read; nil if it has none (or they were taken).
    public func takeDeployCredentials(_ traceId: String) throws -> (username: String, password: String)? {
        let sealed = try writer.write { db -> String? in
            let value = try String.fetchOne(db, sql: "SELECT sealed FROM deployCredential WHERE traceId = ?", arguments: [traceId])
            try db.execute(sql: "DELETE FROM deployCredential WHERE traceId = ?", arguments: [traceId])
            return value
        }
        guard let sealed else { return nil }
        do {
            let pair = try Self.decodeJSON([String].self, try secrets.open(sealed, context: "deploy/\(traceId)/git"))
            guard pair.count == 2 else { return nil }
            return (pair[0], pair[1])
        } catch {
            throw SlipwayError.internal("the deploy's git credentials cannot be opened: \(error)")
        }
    }
}
