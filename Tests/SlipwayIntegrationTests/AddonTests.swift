import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Add-ons on the real engine (issue 18): real Postgres and Redis from the images
    /// scripts/setup.sh builds from Debian's packages, an app that talks to them through the URL
    /// the server put in its config, the reconciler bringing back an add-on removed from outside.
    @Suite("Add-ons on the local engine", .serialized)
    struct AddonTests {
        static let images = ["--addon-image", "postgres=localhost/slipway-addon-postgres:15",
                             "--addon-image", "redis=localhost/slipway-addon-redis:7"]

        /// An app built from the add-on's own image (so it has psql or redis-cli) with busybox's
        /// httpd: GET /cgi-bin/q runs `query` (a shell command line) and answers its output.
        static func app(from image: String, query: String) -> [String: String] {
            [
                "Dockerfile": """
                FROM \(image)
                COPY --from=docker.io/library/busybox:latest /bin/busybox /bin/busybox
                COPY www /www
                RUN chmod +x /www/cgi-bin/q
                CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]

                """,
                "www/index.html": "up",
                "www/cgi-bin/q": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n\(query) 2>&1\n",
                "slipway.yaml": "services:\n  web:\n    port: 8080\n",
            ]
        }

        static func deploy(_ server: TestServer, app: String, _ files: [String: String]) async throws {
            let repo = try await GitRepository(files: files)
            defer { repo.remove() }
            let view = try await server.deploy(app, source: repo.url)
            #expect(view.status == .completed, "\(app): \(view.error ?? "")")
        }

        static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
            try Timestamp.decoder().decode(type, from: data)
        }

        /// Polls `condition` every 200 ms until it holds or `timeout` passes.
        static func eventually(_ what: String, within timeout: Duration, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if (try? await condition()) == true { return }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw TestFailure("timed out waiting until \(what)")
        }

        static func query(_ server: TestServer, _ app: String) async throws -> String {
            try await server.viaRouter(host: "\(app).localhost", path: "/cgi-bin/q").body.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @Test("postgres: `addons create` gives the app a DATABASE_URL it writes and reads rows through; the reconciler brings the add-on back with its data")
        func postgres() async throws {
            let app = "pg\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: Self.images) { server in
                let sql = "INSERT INTO t VALUES (1); SELECT count(*) || ' rows as ' || current_user FROM t"
                try await Self.deploy(server, app: app, Self.app(from: "localhost/slipway-addon-postgres:15",
                                                                 query: "psql \"$DATABASE_URL\" -tA -c 'CREATE TABLE IF NOT EXISTS t (n int)' -c \"\(sql)\""))

                let started = ContinuousClock.now
                let created = try await runCLI(["addons", "create", app, "postgres", "--name", "db", "--server", server.baseURL])
                #expect(created.status == 0, "\(created.output)")
                let first = try await Self.query(server, app)
                let elapsed = ContinuousClock.now - started
                #expect(first.hasSuffix("1 rows as slipway"), "\(first)")
                print("figure: addons create to the app answering through its new DATABASE_URL: \(elapsed)")
                #expect(try await Self.query(server, app).hasSuffix("2 rows as slipway"))

                let list = try await runCLI(["addons", app, "--json", "--server", server.baseURL])
                let addons = try Self.decode(AddonList.self, from: Data(list.output.utf8)).addons
                #expect(addons.map(\.name) == ["db"] && addons.first?.state == "running", "\(list.output)")
                #expect((addons.first?.sizeBytes ?? 0) > 1_000_000, "Postgres' files take some space: \(list.output)")
                let info = try await runCLI(["addons", "info", app, "db", "--server", server.baseURL])
                #expect(info.output.contains("postgres://slipway:***@db:5432/slipway"), "\(info.output)")
                let config = try await runCLI(["config", app, "--server", server.baseURL])
                #expect(config.output.contains("DATABASE_URL") && config.output.contains("DB_URL") && !config.output.contains("postgres://"))

                // `addons connect`: psql from the add-on's image, standard input attached (a pipe here: no terminal).
                let connected = try await runCLI(["addons", "connect", app, "db", "--server", server.baseURL],
                                                 stdin: Data("SELECT 40 + 2 AS answer, count(*) AS rows FROM t;\n".utf8))
                #expect(connected.status == 0 && connected.output.contains("42"), "\(connected.output)")
                // `run -i`: a shell of the app's release reads what is typed, and its exit code comes back.
                let piped = try await runCLI(["run", "-i", app, "--server", server.baseURL, "--", "sh"],
                                             stdin: Data("echo typed-$((6 * 7)); exit 5\n".utf8))
                #expect(piped.status == 5 && piped.output.contains("typed-42"), "\(piped.output)")
                // `run -it` under a pseudo-terminal (script(1) gives the CLI one): the process gets a terminal too.
                let cli = "SLIPWAY_TOKEN=\(server.token ?? "") \(TestServer.binary.path) run -it \(app) --server \(server.baseURL) -- sh -c 'tty; exit 3'"
                let terminal = try await runProcess(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", cli, "/dev/null"])
                #expect(terminal.status == 3 && terminal.output.contains("/dev/pts/"), "\(terminal.output)")

                // Removed from outside: the reconciler starts it again on the same volume; the rows are still there.
                let container = try #require(try await server.containers(app: app).first { $0.labels["io.slipway.addon"] == "db" })
                try await TestEngine.docker().removeContainer(container.id, force: true)
                try await Self.eventually("the add-on runs again", within: .seconds(60)) {
                    let again = try await server.containers(app: app).first { $0.labels["io.slipway.addon"] == "db" }
                    return again != nil && again?.id != container.id && again?.state == "running"
                }
                try await Self.eventually("the app reaches the rows again", within: .seconds(30)) {
                    try await Self.query(server, app).hasSuffix("3 rows as slipway")
                }

                // Destroying the app keeps the add-on's data unless --volumes.
                let destroyed = try await server.client.destroy(app: try DNSLabel(app))
                #expect(destroyed.volumesKept.contains { $0.contains("_addon_db_") }, "\(destroyed)")
                #expect(try await server.containers(app: app).isEmpty)
            }
        }

        @Test("redis: the app gets REDIS_URL and counts through it; destroy --volumes removes the add-on's data")
        func redis() async throws {
            let app = "rd\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: Self.images) { server in
                try await Self.deploy(server, app: app, Self.app(from: "localhost/slipway-addon-redis:7",
                                                                 query: "redis-cli -u \"$REDIS_URL\" --no-auth-warning INCR hits"))
                let created = try await runCLI(["addons", "create", app, "redis", "--json", "--server", server.baseURL])
                #expect(created.status == 0, "\(created.output)")
                let answer = try Self.decode(AddonCreated.self, from: Data(created.output.utf8))
                #expect(answer.addon.configKeys == ["REDIS_URL"])
                #expect(try await Self.query(server, app) == "1")
                #expect(try await Self.query(server, app) == "2")
                let connected = try await runCLI(["addons", "connect", app, "redis", "--server", server.baseURL], stdin: Data("GET hits\n".utf8))
                #expect(connected.status == 0 && connected.output.contains("2"), "\(connected.output)")

                // Without the password the add-on refuses, also from inside the app's network.
                let anonymous = try await runCLI(["run", app, "--server", server.baseURL, "--", "redis-cli", "-h", "redis", "GET", "hits"])
                #expect(anonymous.output.contains("NOAUTH"), "\(anonymous.output)")

                let refused = try await runCLI(["addons", "destroy", app, "redis", "--server", server.baseURL])
                #expect(refused.status != 0 && refused.output.contains("--confirm \(app)/redis"), "\(refused.output)")
                let destroyed = try await runCLI(["addons", "destroy", app, "redis", "--confirm", "\(app)/redis", "--volumes", "--json",
                                                  "--server", server.baseURL])
                #expect(destroyed.status == 0, "\(destroyed.output)")
                let result = try Self.decode(AddonDestroyed.self, from: Data(destroyed.output.utf8))
                #expect(result.volumesRemoved.count == 1 && result.volumesKept.isEmpty)
                let trace = try #require(result.traceId)
                #expect(try await server.waitForDeploy(trace).status == .completed)
                #expect(try await server.containers(app: app).allSatisfy { $0.labels["io.slipway.addon"] == nil })
                let config = try await server.client.config(app: try DNSLabel(app))
                #expect(config.config["REDIS_URL"] == nil)
            }
        }

        @Test("bad input through the CLI: an unknown type or version, a clash with DATABASE_URL set by hand; nothing changes")
        func badInput() async throws {
            let app = "bad\(UUID().uuidString.lowercased().prefix(6))"
            try await TestServer.with(arguments: Self.images) { server in
                try await Self.deploy(server, app: app, AppIsolationTests.files(service: "web"))
                let unknown = try await runCLI(["addons", "create", app, "mysql", "--server", server.baseURL])
                #expect(unknown.status != 0 && unknown.output.contains("unknown add-on type \"mysql\""), "\(unknown.output)")
                let version = try await runCLI(["addons", "create", app, "redis", "--version", "5", "--server", server.baseURL])
                #expect(version.status != 0 && version.output.contains("version \"5\" is not available"), "\(version.output)")
                let set = try await runCLI(["config", "set", app, "DATABASE_URL=postgres://mine@elsewhere/db", "--server", server.baseURL])
                #expect(set.status == 0, "\(set.output)")
                let releases = try await server.client.releases(app: try DNSLabel(app)).releases.count
                let clash = try await runCLI(["addons", "create", app, "postgres", "--server", server.baseURL])
                #expect(clash.status == 1 && clash.output.contains("already has DATABASE_URL set"), "\(clash.output)")
                #expect(try await server.client.releases(app: try DNSLabel(app)).releases.count == releases)
                #expect(try await server.client.addons(app: try DNSLabel(app)).addons.isEmpty)
                #expect(try await server.containers(app: app).allSatisfy { $0.labels["io.slipway.addon"] == nil })
            }
        }
    }
}
