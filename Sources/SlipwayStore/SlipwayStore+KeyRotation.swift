import Foundation
import GRDB
import SlipwayCore
import SlipwaySecrets

/// What a re-seal touched.
public struct ResealCount: Sendable, Equatable {
    /// Sealed values re-sealed with the keyring's sealing key.
    public var secrets = 0
    /// Releases and deploys (queued config changes) that hold them.
    public var records = 0
    public init(secrets: Int = 0, records: Int = 0) { (self.secrets, self.records) = (secrets, records) }
}

extension SlipwayStore {
    /// The keys the store seals and opens with (shared by every copy of this store).
    public var keyring: SecretKeyring { secrets.keyring }

    /// Re-seals every stored secret (of every release, every deploy's config change and git credentials) with the
    /// keyring's sealing key, in one transaction: after a crash either all of them or none are.
    /// Each value is opened with whichever keyring key sealed it.
    public func resealSecrets() throws -> ResealCount {
        let marker = "%\(SecretCipher.sealedMarker)%"
        return try writer.write { db in
            var count = ResealCount()
            let releases = try Row.fetchAll(db, sql: "SELECT app, version, body FROM release WHERE body LIKE ?", arguments: [marker])
            for row in releases {
                let body: String = row["body"]
                let resealed = try encodeRelease(try decodeRelease(body))
                count.secrets += Self.sealedValues(in: body)
                count.records += 1
                try db.execute(sql: "UPDATE release SET body = ? WHERE app = ? AND version = ?",
                               arguments: [resealed, row["app"] as String, row["version"] as Int])
            }
            let changes = try Row.fetchAll(db, sql: "SELECT traceId, app, change FROM deploy WHERE change LIKE ?", arguments: [marker])
            for row in changes {
                let change: String = row["change"]
                let app: String = row["app"]
                let resealed = try encodeChange(try decodeChange(change, app: app), app: try DNSLabel(app))
                count.secrets += Self.sealedValues(in: change)
                count.records += 1
                try db.execute(sql: "UPDATE deploy SET change = ? WHERE traceId = ?", arguments: [resealed, row["traceId"] as String])
            }
            let credentials = try resealDeployCredentials(db)
            count.secrets += credentials
            count.records += credentials
            let notificationSecrets = try resealNotificationSecrets(db)
            count.secrets += notificationSecrets
            count.records += notificationSecrets
            let addons = try resealAddonPasswords(db)
            count.secrets += addons
            count.records += addons
            let connections = try resealGitConnections(db)
            count.secrets += connections
            count.records += connections
            return count
        }
    }

    static func sealedValues(in text: String) -> Int { text.components(separatedBy: SecretCipher.sealedMarker).count - 1 }
}
