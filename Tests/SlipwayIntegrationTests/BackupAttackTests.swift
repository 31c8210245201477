import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// The throwaway containers of `slipway backups` on the real engine (real Postgres and Redis,
    /// the images scripts/setup.sh builds). Attack: anyone who may list the engine's containers
    /// (`podman inspect`, `podman events`) or the host's processes (`ps`) looks for the add-on's
    /// password while a backup and a restore run; it must be in none of them, nor in the server's
    /// events and log. Fault: the server is killed (-9) in the middle of a dump.
    ///
    /// The tools are held mid-run on purpose, so that the test sees them running: Postgres by a
    /// session holding an exclusive lock on the table (the dump and the restore wait for it),
    /// Redis by `CLIENT PAUSE` (the backup's first command waits).
    @Suite("Backups: the password in no tool container; a killed server leaves no backup behind", .serialized)
    struct BackupAttackTests {
        static func podman(_ arguments: [String], stdin: Data? = nil) async throws -> String {
            let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/podman"), arguments, stdin: stdin)
            guard result.status == 0 else { throw TestFailure("podman \(arguments.prefix(3).joined(separator: " ")): \(result.output)") }
            return result.output
        }

        /// psql in the add-on's container over its local socket (trusted there), as root.
        static func psql(_ addon: String, _ sql: String) async throws -> String {
            try await podman(["exec", addon, "psql", "-U", AddonSpec.user, "-d", AddonSpec.user, "-qAtX", "-c", sql])
        }

        /// Holds an exclusive lock on table t for `seconds` (in the background); returns once it is held.
        static func lockTable(_ addon: String, seconds: Int) async throws -> Task<String, any Error> {
            let holder = Task { try await psql(addon, "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(\(seconds)); COMMIT;") }
            try await AddonTests.eventually("the lock on t is held", within: .seconds(30)) {
                try await psql(addon, "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = 't'::regclass")
                    .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            }
            return holder
        }

        /// The app's backup tool containers as the engine lists them now.
        static func toolContainers(_ server: TestServer, _ app: String) async throws -> [String] {
            try await server.containers(app: app).filter { $0.labels["io.slipway.oneoff"] == "backup" }.map(\.id)
        }

        /// Runs `work` and meanwhile polls: every tool container seen is inspected (Cmd, Env,
        /// Labels, Mounts: the whole answer) and the host's command lines read; returns what
        /// `work` returned and the inspections.
        static func watchTools(_ server: TestServer, _ app: String, password: String,
                               while work: @escaping @Sendable () async throws -> (status: Int32, output: String))
            async throws -> (inspected: [String], result: (status: Int32, output: String)) {
            let watcher = Task { () -> [String] in
                var inspected: [String: String] = [:]
                while !Task.isCancelled {
                    for id in (try? await toolContainers(server, app)) ?? [] where inspected[id] == nil {
                        guard let text = try? await AddonSecretsTests.inspect(id) else { continue }  // removed meanwhile
                        inspected[id] = text
                        #expect(!text.contains(password), "inspect of a backup tool container shows the password: \(text)")
                        #expect(text.contains("io.slipway.addon-credentials"), "the tool container is labelled as reading its credentials from a file")
                        #expect(AddonSecretsTests.commandLinesContaining(password).isEmpty, "a host process' command line shows the password")
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                return Array(inspected.values)
            }
            let result: (status: Int32, output: String)
            do {
                result = try await work()
            } catch {
                watcher.cancel()
                throw error
            }
            watcher.cancel()
            return (await watcher.value, result)
        }

        @Test("postgres: while pg_dump, the verification and pg_restore run, neither inspect, podman events, ps, the events nor the log show the password; both work")
        func postgresPasswordStaysInFiles() async throws {
            let app = "ba\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: AddonTests.images) { server in
                try await BackupTests.postgresApp(server, app)
                #expect(try await BackupTests.count(server, app) == "1")
                #expect(try await BackupTests.count(server, app) == "2")
                let password = try await AddonSecretsTests.password(server, app: app, kind: .postgres)
                let tap = Self.engineEvents(app: app)
                let addon = try await AddonSecretsTests.addonContainer(server, app: app).id

                // The backup, its dump held by the lock: the dump's container is seen running.
                var lock = try await Self.lockTable(addon, seconds: 5)
                let made = try await Self.watchTools(server, app, password: password) {
                    try await BackupTests.cli(server, ["backups", "create", app, "db", "--json"])
                }
                _ = try await lock.value
                #expect(made.result.status == 0, "\(made.result.output)")
                #expect(made.inspected.contains { $0.contains("pg_dump") } && made.inspected.contains { $0.contains("pg_restore") },
                        "the dump's and the verification's containers were seen: \(made.inspected.count)")
                let view = try AddonTests.decode(BackupView.self, from: Data(made.result.output.utf8))
                #expect(view.verification?.status == "verified" && view.verification?.rows == 2 && view.verification?.sourceRows == 2,
                        "\(String(describing: view.verification))")

                #expect(try await BackupTests.count(server, app) == "3")
                // The restore, held by the lock too.
                lock = try await Self.lockTable(addon, seconds: 5)
                let restored = try await Self.watchTools(server, app, password: password) {
                    try await BackupTests.cli(server, ["backups", "restore", app, "db", view.id, "--confirm", "\(app)/db"])
                }
                _ = try await lock.value
                #expect(restored.result.status == 0, "\(restored.result.output)")
                #expect(restored.inspected.contains { $0.contains("pg_restore") && $0.contains("--clean") }, "the restore's container was seen")
                #expect(try await BackupTests.count(server, app) == "3", "the 2 rows of the backup, and the app's new one")

                try await Self.expectPasswordNowhere(server, app: app, password: password, tap: tap)
            }
        }

        @Test("redis: while redis-cli --rdb and the restore run, neither inspect, podman events, ps, the events nor the log show the password; both work")
        func redisPasswordStaysInFiles() async throws {
            let app = "bq\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: AddonTests.images) { server in
                try await BackupTests.redisApp(server, app)
                let password = try await AddonSecretsTests.password(server, app: app, kind: .redis)
                let tap = Self.engineEvents(app: app)
                let addon = try await AddonSecretsTests.addonContainer(server, app: app).id

                // The password reaches redis-cli on its standard input: on no command line, in no environment.
                _ = try await Self.podman(["exec", "-i", addon, "sh", "-c", "read -r p; REDISCLI_AUTH=$p redis-cli --no-auth-warning CLIENT PAUSE 4000 ALL"],
                                          stdin: Data((password + "\n").utf8))
                let made = try await Self.watchTools(server, app, password: password) {
                    try await BackupTests.cli(server, ["backups", "create", app, "redis", "--json"])
                }
                #expect(made.result.status == 0, "\(made.result.output)")
                #expect(made.inspected.contains { $0.contains("--rdb") }, "the dump's container was seen: \(made.inspected.count)")
                let view = try AddonTests.decode(BackupView.self, from: Data(made.result.output.utf8))
                #expect(view.verification?.status == "verified" && view.verification?.keys == 1 && view.verification?.sourceKeys == 1,
                        "\(String(describing: view.verification))")

                #expect(try await AddonTests.query(server, app) == "2")
                let restored = try await Self.watchTools(server, app, password: password) {
                    try await BackupTests.cli(server, ["backups", "restore", app, "redis", view.id, "--confirm", "\(app)/redis"])
                }
                #expect(restored.result.status == 0 && restored.result.output.contains("restored 1 keys"), "\(restored.result.output)")
                // The key as the backup had it (read, not counted on: a request lost while the add-on restarts may count).
                var answer = ""
                do {
                    try await AddonTests.eventually("the restored add-on answers with the backup's value", within: .seconds(60)) {
                        answer = try await BackupTests.cli(server, ["addons", "connect", app, "redis"], stdin: Data("GET hits\n".utf8)).output
                        return answer.split(whereSeparator: \.isNewline).contains { $0.trimmingCharacters(in: .whitespaces) == "1" }
                    }
                } catch {
                    Issue.record("the last answer: \(answer)")
                    throw error
                }
                try await Self.expectPasswordNowhere(server, app: app, password: password, tap: tap)
            }
        }

        /// The engine's events about the app's containers for the next 40 s, as anyone with the
        /// engine's socket can follow them (`podman events`: names, labels, images).
        static func engineEvents(app: String) -> Task<String, any Error> {
            let filters = #"{"label":["app.kubernetes.io/name=\#(app)"]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Task {
                try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sN", "--max-time", "40", "--unix-socket", TestEngine.socketPath,
                                                                            "http://d/v1.41/events?filters=\(filters)"]).output
            }
        }

        /// The server's events and log, the engine's events (`tap`), the data directory: no password anywhere.
        static func expectPasswordNowhere(_ server: TestServer, app: String, password: String, tap: Task<String, any Error>) async throws {
            let events = try await BackupTests.cli(server, ["events", app, "--json"])
            #expect(events.status == 0 && events.output.contains("backup") && !events.output.contains(password), "\(events.output)")
            #expect(!server.serverLog().isEmpty && !server.serverLog().contains(password), "the server's log shows the password")
            let engineEvents = try await tap.value
            #expect(engineEvents.contains("\"io.slipway.oneoff\":\"backup\""), "the engine's events about the tool containers: \(engineEvents.suffix(300))")
            #expect(!engineEvents.contains(password), "the engine's events show the password")
            let stored = try await runProcess(URL(fileURLWithPath: "/usr/bin/grep"), ["-rlF", password, server.dataDirectory.path])
            #expect(stored.output.isEmpty, "the password in plain text in the data directory: \(stored.output)")
            #expect(try await toolContainers(server, app).isEmpty, "no tool container is left")
        }

        @Test("kill -9 during a dump: after the restart no tool container or partial file is left, the backup is a backup.failed event and not listed, a new backup works")
        func killDuringBackup() async throws {
            let app = "bk9\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: AddonTests.images) { server in
                try await BackupTests.postgresApp(server, app)
                #expect(try await BackupTests.count(server, app) == "1")
                let addon = try await AddonSecretsTests.addonContainer(server, app: app).id
                let folder = server.dataDirectory.appendingPathComponent("backups/\(app)/db")
                let partials = { ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".partial") } }

                // The dump waits on the lock; the server is killed while it does.
                _ = try await Self.lockTable(addon, seconds: 300)
                let backup = Task { try await BackupTests.cli(server, ["backups", "create", app, "db", "--json"]) }
                try await AddonTests.eventually("the dump's container runs and its partial file is staged", within: .seconds(60)) {
                    try await !Self.toolContainers(server, app).isEmpty && !partials().isEmpty
                }
                let interrupted = try #require(partials().first).dropFirst().replacingOccurrences(of: ".partial", with: "")
                await server.kill()
                let cut = try await backup.value
                #expect(cut.status != 0, "the CLI says the backup did not finish: \(cut.output)")
                #expect(try await !Self.toolContainers(server, app).isEmpty, "the killed server's tool container is still there (so the restart has something to clean)")
                _ = try await Self.psql(addon, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()")

                try await server.start()
                try await AddonTests.eventually("the restarted server removed the tool container", within: .seconds(60)) {
                    try await Self.toolContainers(server, app).isEmpty
                }
                #expect(partials().isEmpty, "no partial file is left in the store")
                let listed = try AddonTests.decode(BackupList.self, from: Data(try await BackupTests.cli(server, ["backups", app, "--json"]).output.utf8))
                #expect(listed.backups.isEmpty, "the cut-off backup is not listed as a backup: \(listed.backups.map(\.id))")
                let events = try await server.client.events(app: try DNSLabel(app)).events
                #expect(events.contains { $0.kind == .backupFailed && $0.message.contains(interrupted) && $0.message.contains("server stopped while making it") },
                        "\(events.map(\.message))")

                let again = try await BackupTests.backup(server, app, "db")
                #expect(again.verification?.status == "verified" && again.verification?.rows == 1 && again.verification?.sourceRows == 1,
                        "\(String(describing: again.verification))")
                let leftTools = try await Self.toolContainers(server, app)
                #expect(partials().isEmpty && leftTools.isEmpty)
            }
        }
    }
}
