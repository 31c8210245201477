import Commands
import Crypto
import Foundation
import SlipwayCore
import SlipwaySecrets
import SlipwayStore
import Testing

@Suite("Store upgrades")
struct UpgradeTests {
    /// A database as the first builds left it: "v1" applied, `deploy` without `change` and
    /// `requestedBy`, with a queued rollback in the old `rollbackTo` column. Made with Python's
    /// sqlite3, not with the store, so it really has the old layout.
    @Test("a database from an earlier build is upgraded in place; a queued rollback survives")
    func upgradesOldDeployTable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("slipway.sqlite").path
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('''
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('v1');
            CREATE TABLE app (name TEXT PRIMARY KEY, createdAt DATETIME NOT NULL, currentRelease INTEGER);
            CREATE TABLE release (app TEXT NOT NULL, version INTEGER NOT NULL, traceId TEXT NOT NULL, createdAt DATETIME NOT NULL,
                                  body TEXT NOT NULL, PRIMARY KEY (app, version));
            CREATE TABLE deploy (seq INTEGER PRIMARY KEY AUTOINCREMENT, traceId TEXT NOT NULL UNIQUE, app TEXT NOT NULL,
                                 appExplicit BOOLEAN NOT NULL DEFAULT 1, rollbackTo INTEGER, state TEXT NOT NULL, status TEXT NOT NULL,
                                 createdAt DATETIME NOT NULL, finishedAt DATETIME, source TEXT NOT NULL, uploadPath TEXT,
                                 apps TEXT NOT NULL, release INTEGER, error TEXT);
            CREATE TABLE stage (traceId TEXT NOT NULL REFERENCES deploy(traceId) ON DELETE CASCADE, position INTEGER NOT NULL,
                                name TEXT NOT NULL, status TEXT NOT NULL, startedAt DATETIME, finishedAt DATETIME, message TEXT,
                                PRIMARY KEY (traceId, name));
            INSERT INTO deploy (traceId, app, rollbackTo, state, status, createdAt, source, apps)
                VALUES ('old-rollback', 'shop', 3, 'queued', 'IN PROGRESS', '2026-01-01 00:00:00.000', '{"kind":"upload"}', '["shop"]');
            ''')
            db.commit()
            """
        let python = try await Command("python3", ["-c", script, path], timeout: .seconds(60)).run()
        try #require(python.succeeded, "\(python.standardError)")

        let store = try SlipwayStore(path: path, secrets: SecretCipher(masterKey: MasterKey(key: .init(size: .bits256))))
        let queued = try #require(try store.claimNextDeploy())
        #expect(queued.traceId == "old-rollback")
        #expect(queued.change?.rollbackTo == 3)
        try store.enqueueDeploy(traceId: "new", app: try DNSLabel("shop"), source: SourceInfo(kind: .upload), uploadPath: nil,
                                change: ReleaseChange(scale: ["web": 2]), requestedBy: "alice")
        try store.completeDeploy("old-rollback", release: nil)
        #expect(try store.claimNextDeploy()?.change?.scale == ["web": 2])
    }

    /// Before v5 pushes (gitRemote.branch) and webhooks (gitConnection.branch) each had a branch.
    /// The database is put back in that layout with Python's sqlite3 (the column re-added, the
    /// migration unrecorded), then opened: the set-last value becomes the one deploy branch.
    @Test("the push and webhook branch settings become one deploy branch: the one set last wins")
    func mergesBranchSettings() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("slipway.sqlite").path
        let cipher = try SecretCipher(masterKey: MasterKey(key: .init(size: .bits256)))
        do {
            let store = try SlipwayStore(path: path, secrets: cipher)
            for app in ["hook-newer", "push-newer", "hook-only"] {
                try store.connectGit(app: DNSLabel(app), repo: "https://git.example.com/\(app).git", branch: nil, forge: .github,
                                     webhookSecret: "s-\(app)", credentials: nil)
            }
        }
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('''
            DELETE FROM grdb_migrations WHERE identifier = 'v5-one-deploy-branch';
            DELETE FROM gitRemote;
            ALTER TABLE gitConnection ADD COLUMN branch TEXT NOT NULL DEFAULT 'main';
            UPDATE gitConnection SET branch = 'prod', createdAt = '2026-03-01 00:00:00.000' WHERE app = 'hook-newer';
            UPDATE gitConnection SET branch = 'webhooks', createdAt = '2026-01-01 00:00:00.000' WHERE app = 'push-newer';
            UPDATE gitConnection SET branch = 'stable', createdAt = '2026-01-01 00:00:00.000' WHERE app = 'hook-only';
            INSERT INTO gitRemote (app, branch, updatedAt) VALUES ('hook-newer', 'dev', '2026-02-01 00:00:00.000'),
                ('push-newer', 'release', '2026-02-01 00:00:00.000'), ('push-only', 'trunk', '2026-02-01 00:00:00.000');
            ''')
            db.commit()
            """
        let python = try await Command("python3", ["-c", script, path], timeout: .seconds(60)).run()
        try #require(python.succeeded, "\(python.standardError)")

        let store = try SlipwayStore(path: path, secrets: cipher)
        let expected = ["hook-newer": "prod", "push-newer": "release", "hook-only": "stable", "push-only": "trunk"]
        for (app, branch) in expected {
            #expect(try store.deployBranch(of: DNSLabel(app))?.branch == branch, "\(app)")
        }
        // The connections still open (their secrets were not disturbed), and setting the branch sets the one value.
        #expect(try store.gitConnection(DNSLabel("hook-only"))?.webhookSecret == "s-hook-only")
        try store.connectGit(app: DNSLabel("hook-only"), repo: "https://git.example.com/x.git", branch: "next", forge: .gitea,
                             webhookSecret: "t", credentials: nil)
        #expect(try store.deployBranch(of: DNSLabel("hook-only"))?.branch == "next")
    }
}
