import Foundation
import GRDB
import SlipwayCore

/// An app as the store knows it: it exists once one of its releases has served.
public struct AppRecord: Sendable, Equatable {
    public var name: AppName
    public var createdAt: Date
    public var currentRelease: Int?
}

extension SlipwayStore {
    /// Records release v(N+1) of `app`, built by `make` from the version number, in one transaction.
    /// The release is not current until `activate` says so (after the rollout succeeded).
    public func createRelease(app: AppName, _ make: @Sendable (Int) -> Release) throws -> Release {
        try writer.write { db in
            let last = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM release WHERE app = ?", arguments: [app.value]) ?? 0
            let release = make(last + 1)
            try db.execute(
                sql: "INSERT INTO release (app, version, traceId, createdAt, body) VALUES (?, ?, ?, ?, ?)",
                arguments: [app.value, release.version, release.traceId, release.createdAt, try encodeRelease(release)])
            return release
        }
    }

    /// Forgets a release that never served (its rollout failed), so no half-recorded release remains.
    public func discardRelease(app: AppName, version: Int) throws {
        try writer.write { db in
            let current = try Int.fetchOne(db, sql: "SELECT currentRelease FROM app WHERE name = ?", arguments: [app.value])
            guard current != version else { return }
            try db.execute(sql: "DELETE FROM release WHERE app = ? AND version = ?", arguments: [app.value, version])
        }
    }

    /// Makes `version` the app's current release, creating the app on its first release.
    public func activate(app: AppName, version: Int, now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                INSERT INTO app (name, createdAt, currentRelease) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET currentRelease = excluded.currentRelease
                """,
                arguments: [app.value, now, version])
        }
    }

    public func app(_ name: AppName) throws -> AppRecord? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM app WHERE name = ?", arguments: [name.value]).map(Self.appRecord)
        }
    }

    public func apps() throws -> [AppRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM app ORDER BY name").map(Self.appRecord)
        }
    }

    public func currentRelease(of app: AppName) throws -> Release? {
        try writer.read { db in
            guard let body = try String.fetchOne(db, sql: """
                SELECT r.body FROM release r JOIN app a ON a.name = r.app AND a.currentRelease = r.version
                WHERE a.name = ?
                """, arguments: [app.value]) else { return nil }
            return try decodeRelease(body)
        }
    }

    /// Every app's current release: what the engine must be running.
    public func currentReleases() throws -> [Release] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT r.body FROM release r JOIN app a ON a.name = r.app AND a.currentRelease = r.version ORDER BY a.name
                """).map { try decodeRelease($0) }
        }
    }

    /// Releases of an app, newest first.
    public func releases(of app: AppName) throws -> [Release] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM release WHERE app = ? ORDER BY version DESC", arguments: [app.value])
                .map { try decodeRelease($0) }
        }
    }

    /// Image ids referenced by releases: of every release, or (with `newest`) of each app's `newest`
    /// most recent releases. Identical builds share an id, across releases and across apps, so an
    /// image may be removed only when no release that is kept refers to it.
    public func releaseImages(newest: Int? = nil) throws -> Set<String> {
        try writer.read { db in
            let bodies: [String]
            if let newest {
                bodies = try String.fetchAll(db, sql: """
                    SELECT body FROM (SELECT body, ROW_NUMBER() OVER (PARTITION BY app ORDER BY version DESC) AS rank FROM release)
                    WHERE rank <= ?
                    """, arguments: [newest])
            } else {
                bodies = try String.fetchAll(db, sql: "SELECT body FROM release")
            }
            return Set(try bodies.flatMap { try Self.decodeJSON(Release.self, $0).services.map(\.image) })
        }
    }

    /// Removes an app, its releases, events, custom hosts and maintenance mode; its deploys stay as history.
    public func deleteApp(_ name: AppName) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM release WHERE app = ?", arguments: [name.value])
            try db.execute(sql: "DELETE FROM event WHERE app = ?", arguments: [name.value])
            try Self.deleteEdge(of: name, db)
            try Self.deleteCronRuns(of: name, db)
            try Self.deleteAddons(of: name, db)
            try Self.deleteGitConnection(of: name, db)
            try Self.deleteDeployBranch(of: name, db)
            try Self.deletePreviewRecords(of: name, db)
            try db.execute(sql: "DELETE FROM app WHERE name = ?", arguments: [name.value])
        }
    }

    private static func appRecord(_ row: Row) throws -> AppRecord {
        AppRecord(name: try DNSLabel(row["name"] as String), createdAt: row["createdAt"], currentRelease: row["currentRelease"])
    }
}
