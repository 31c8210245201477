import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Backups of add-ons on the real engine (issue 18): real Postgres and Redis (the images
    /// scripts/setup.sh builds), dumped by `slipway backups create`, verified by a restore into a
    /// throwaway container, restored into the add-on; S3 storage against moto's server (the
    /// S3 stand-in). Attacks: hostile ids, a tampered backup, another app's add-on.
    @Suite("Backups of add-ons", .serialized)
    struct BackupTests {
        static func cli(_ server: TestServer, _ arguments: [String], stdin: Data? = nil) async throws -> (status: Int32, output: String) {
            let result = try await runCLI(arguments + ["--server", server.baseURL], stdin: stdin)
            return (result.status, result.output)
        }

        static func backup(_ server: TestServer, _ app: String, _ addon: String) async throws -> BackupView {
            let made = try await cli(server, ["backups", "create", app, addon, "--json"])
            #expect(made.status == 0, "\(made.output)")
            return try AddonTests.decode(BackupView.self, from: Data(made.output.utf8))
        }

        /// The count the postgres app answers (psql prints the commands' statuses first).
        static func count(_ server: TestServer, _ app: String) async throws -> String {
            let answer = try await AddonTests.query(server, app)
            return answer.split(whereSeparator: \.isNewline).last.map(String.init) ?? answer
        }

        /// An app whose GET /cgi-bin/q inserts a row into table t and answers the count.
        static func postgresApp(_ server: TestServer, _ app: String) async throws {
            let sql = "INSERT INTO t VALUES (1); SELECT count(*) FROM t"
            try await AddonTests.deploy(server, app: app, AddonTests.app(from: "localhost/slipway-addon-postgres:15",
                                                                        query: "psql \"$DATABASE_URL\" -tA -c 'CREATE TABLE IF NOT EXISTS t (n int)' -c \"\(sql)\""))
            let created = try await cli(server, ["addons", "create", app, "postgres", "--name", "db"])
            #expect(created.status == 0, "\(created.output)")
        }

        /// An app whose GET /cgi-bin/q counts the key `hits` up in its redis add-on and answers it;
        /// returns once it answered 1. (An answer that is not a count, seen once under load right
        /// after `addons create`, counted nothing: it is asked again.)
        static func redisApp(_ server: TestServer, _ app: String) async throws {
            try await AddonTests.deploy(server, app: app, AddonTests.app(from: "localhost/slipway-addon-redis:7",
                                                                        query: "redis-cli -u \"$REDIS_URL\" --no-auth-warning INCR hits"))
            let created = try await cli(server, ["addons", "create", app, "redis"])
            #expect(created.status == 0, "\(created.output)")
            var answers: [String] = []
            do {
                try await AddonTests.eventually("the app counts through its REDIS_URL", within: .seconds(60)) {
                    answers.append(try await AddonTests.query(server, app))
                    return answers.last == "1"
                }
            } catch {
                Issue.record("the app's answers: \(answers)")
                throw error
            }
        }

        @Test("postgres: a backup is made, verified and listed; rows written after it are gone after a restore; attacks change nothing")
        func postgres() async throws {
            let app = "bk\(UUID().uuidString.lowercased().prefix(6))"
            let other = "bo\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: AddonTests.images) { server in
                try await Self.postgresApp(server, app)
                #expect(try await Self.count(server, app) == "1")
                #expect(try await Self.count(server, app) == "2")

                let human = try await Self.cli(server, ["backups", "create", app, "db"])
                #expect(human.status == 0 && human.output.contains("dumped") && human.output.contains("verified: verified"), "\(human.output)")
                let backup = try await Self.backup(server, app, "db")
                #expect(backup.type == "postgres" && backup.sizeBytes > 0 && backup.sha256.count == 64)
                #expect(backup.verification?.status == "verified" && backup.verification?.tables == 1 && backup.verification?.rows == 2,
                        "\(String(describing: backup.verification))")
                let listed = try await Self.cli(server, ["backups", app, "--json"])
                let list = try AddonTests.decode(BackupList.self, from: Data(listed.output.utf8))
                #expect(list.backups.count == 2 && list.backups.first?.id == backup.id, "\(listed.output)")
                let table = try await Self.cli(server, ["backups", app])
                #expect(table.output.contains(backup.id) && table.output.contains(String(backup.sha256.prefix(16))), "\(table.output)")

                #expect(try await Self.count(server, app) == "3")
                #expect(try await Self.count(server, app) == "4")

                // Without the confirmation nothing happens.
                let unconfirmed = try await Self.cli(server, ["backups", "restore", app, "db", backup.id])
                #expect(unconfirmed.status != 0 && unconfirmed.output.contains("--confirm \(app)/db"), "\(unconfirmed.output)")
                // Hostile ids: refused with a 400 or not found, never a path.
                for id in ["..", "../../etc/passwd", ".hidden", "a/b", "x%2F..%2F..", String(repeating: "a", count: 300)] {
                    let hostile = try await Self.cli(server, ["backups", "restore", app, "db", id, "--confirm", "\(app)/db"])
                    #expect(hostile.status != 0 && (hostile.output.contains("cannot name a backup") || hostile.output.contains("no backup")),
                            "\(id): \(hostile.output)")
                }
                // Another app cannot restore into (or back up) this app's add-on.
                try await AddonTests.deploy(server, app: other, AddonTests.app(from: "localhost/slipway-addon-redis:7", query: "echo other"))
                let foreign = try await Self.cli(server, ["backups", "restore", other, "db", backup.id, "--confirm", "\(other)/db"])
                #expect(foreign.status != 0 && foreign.output.contains("\(other) has no add-on named db"), "\(foreign.output)")
                let foreignBackup = try await Self.cli(server, ["backups", "create", other, "db"])
                #expect(foreignBackup.status != 0 && foreignBackup.output.contains("has no add-on named db"), "\(foreignBackup.output)")
                #expect(try await Self.count(server, app) == "5")

                // A tampered backup: refused on restore, the data untouched.
                let file = server.dataDirectory.appendingPathComponent("backups/\(app)/db/\(backup.id).dump")
                let original = try Data(contentsOf: file)
                var tampered = original
                tampered[tampered.count / 2] ^= 0xff
                try tampered.write(to: file)
                let refused = try await Self.cli(server, ["backups", "restore", app, "db", backup.id, "--confirm", "\(app)/db"])
                #expect(refused.status != 0 && refused.output.contains("damaged"), "\(refused.output)")
                #expect(try await Self.count(server, app) == "6")
                try original.write(to: file)

                // The restore: the table as it was at the backup (2 rows), then the app writes on.
                let restored = try await Self.cli(server, ["backups", "restore", app, "db", backup.id, "--confirm", "\(app)/db", "--json"])
                #expect(restored.status == 0, "\(restored.output)")
                let result = try AddonTests.decode(BackupRestored.self, from: Data(restored.output.utf8))
                #expect(result.backup == backup.id && result.into == "db")
                #expect(try await Self.count(server, app) == "3")

                // --into: a new add-on beside the original gets the backup's rows; the app gets COPY_URL.
                let into = try await Self.cli(server, ["backups", "restore", app, "db", backup.id, "--into", "copy"])
                #expect(into.status == 0 && into.output.contains("COPY_URL"), "\(into.output)")
                let copied = try await Self.cli(server, ["addons", "connect", app, "copy"], stdin: Data("SELECT 'rows:' || count(*) FROM t;\n".utf8))
                #expect(copied.output.contains("rows:2"), "\(copied.output)")
                #expect(try await Self.count(server, app) == "4", "the original add-on is untouched")

                // Events: created and verified.
                let events = try await server.client.events(app: try DNSLabel(app)).events
                #expect(events.contains { $0.kind == .backupCreated && $0.message.contains(backup.id) })
                #expect(events.contains { $0.kind == .backupVerified && $0.message.contains(backup.id) })
            }
        }

        @Test("redis: an RDB snapshot is made and verified (DBSIZE of a scratch server); a restore brings the keys back")
        func redis() async throws {
            let app = "br\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: AddonTests.images) { server in
                try await Self.redisApp(server, app)
                #expect(try await AddonTests.query(server, app) == "2")
                let set = try await Self.cli(server, ["addons", "connect", app, "redis"], stdin: Data("SET other x\n".utf8))
                #expect(set.status == 0, "\(set.output)")

                let backup = try await Self.backup(server, app, "redis")
                #expect(backup.type == "redis" && backup.verification?.status == "verified" && backup.verification?.keys == 2,
                        "\(String(describing: backup.verification))")
                // The app counts on past the backup (a request the router lost may have counted too).
                try await AddonTests.eventually("the app counts past the backup", within: .seconds(30)) {
                    (Int(try await AddonTests.query(server, app)) ?? 0) >= 3
                }
                _ = try await Self.cli(server, ["addons", "connect", app, "redis"], stdin: Data("DEL other\n".utf8))

                let restored = try await Self.cli(server, ["backups", "restore", app, "redis", backup.id, "--confirm", "\(app)/redis"])
                #expect(restored.status == 0 && restored.output.contains("restored 2 keys"), "\(restored.output)")
                try await AddonTests.eventually("the app counts on from the backup", within: .seconds(30)) {
                    try await AddonTests.query(server, app) == "3"
                }
                let other = try await Self.cli(server, ["addons", "connect", app, "redis"], stdin: Data("GET other\n".utf8))
                #expect(other.output.contains("x"), "\(other.output)")
                // The add-on keeps its append-only file: a restart keeps the restored keys.
                let container = try #require(try await server.containers(app: app).first { $0.labels["io.slipway.addon"] == "redis" })
                try await TestEngine.docker().removeContainer(container.id, force: true)
                try await AddonTests.eventually("the add-on runs again with the restored data", within: .seconds(60)) {
                    try await AddonTests.query(server, app) == "5"
                }
            }
        }

        @Test("a schedule (every minute here) makes a verified backup on the real engine and --keep 1 prunes the one made by hand")
        func scheduled() async throws {
            let app = "bc\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: AddonTests.images) { server in
                try await Self.redisApp(server, app)
                let byHand = try await Self.backup(server, app, "redis")
                let bad = try await Self.cli(server, ["backups", "schedule", app, "redis", "--schedule", "* * 32 * *"])
                #expect(bad.status != 0 && bad.output.contains("day"), "\(bad.output)")
                let set = try await Self.cli(server, ["backups", "schedule", app, "redis", "--schedule", "* * * * *", "--keep", "1", "--json"])
                #expect(set.status == 0, "\(set.output)")
                // The scheduler reads schedules at least every 30 s; the slot is the next minute.
                try await AddonTests.eventually("a scheduled backup replaced the one made by hand", within: .seconds(150)) {
                    let list = try AddonTests.decode(BackupList.self, from: Data(try await Self.cli(server, ["backups", app, "--json"]).output.utf8))
                    return list.backups.count == 1 && list.backups[0].id != byHand.id && list.backups[0].verification?.status == "verified"
                        && list.schedules.first?.lastRun != nil
                }
                let off = try await Self.cli(server, ["backups", "schedule", app, "redis", "--off"])
                #expect(off.status == 0 && off.output.contains("no longer scheduled"), "\(off.output)")
            }
        }

        @Test("S3: backups go to an s3:// store (moto's server, the S3 stand-in), are listed from it and restored from it")
        func s3() async throws {
            let moto = try await MotoS3Server.start()
            defer { moto.stop() }
            try await moto.makeBucket("slipway-backups")
            let app = "bs\(UUID().uuidString.lowercased().prefix(6))"
            let environment = ["AWS_ENDPOINT_URL": moto.endpoint.absoluteString, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]
            try await TestServer.with(arguments: AddonTests.images + ["--backup-store", "s3://slipway-backups/nightly"], environment: environment) { server in
                try await Self.postgresApp(server, app)
                #expect(try await Self.count(server, app) == "1")
                let backup = try await Self.backup(server, app, "db")
                #expect(backup.verification?.status == "verified" && backup.verification?.rows == 1, "\(String(describing: backup.verification))")
                let objects = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sf", "\(moto.endpoint.absoluteString)/slipway-backups?list-type=2"])
                #expect(objects.output.contains("nightly/\(app)/db/\(backup.id).dump") && objects.output.contains("nightly/\(app)/db/\(backup.id).json"),
                        "\(objects.output)")
                #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("backups/\(app)").path))
                #expect(try await Self.count(server, app) == "2")
                let restored = try await Self.cli(server, ["backups", "restore", app, "db", backup.id, "--confirm", "\(app)/db"])
                #expect(restored.status == 0, "\(restored.output)")
                #expect(try await Self.count(server, app) == "2")
            }
        }
    }
}
