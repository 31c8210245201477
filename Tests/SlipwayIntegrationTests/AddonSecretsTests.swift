import DockerAPI
import Foundation
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// An add-on's password where others can read it: `podman inspect` (anyone who may list the
    /// engine's containers) and /proc/PID/cmdline (every user of the host). An add-on made by an
    /// older Slipway (password in Redis' command line, in Postgres' environment) is the attack's
    /// target: the test makes one as that version did, sees the password there, and a server
    /// starting on it must make the add-on again without it, the app still connected.
    @Suite("Add-on passwords in no container configuration", .serialized)
    struct AddonSecretsTests {
        @Test("redis and postgres: inspect and /proc show no password; an add-on made the old way is made again; the app still connects",
              arguments: [AddonKind.redis, .postgres])
        func passwordIsInNoConfiguration(kind: AddonKind) async throws {
            let app = "sec\(kind.rawValue.prefix(2))\(UUID().uuidString.lowercased().prefix(6))"
            let query = kind == .redis ? "redis-cli -u \"$REDIS_URL\" --no-auth-warning INCR hits"
                : "psql \"$DATABASE_URL\" -qtA -c 'CREATE TABLE IF NOT EXISTS t (n int)' -c 'INSERT INTO t VALUES (1)' -c 'SELECT count(*) FROM t'"
            try await TestServer.with(arguments: AddonTests.images) { server in
                try await AddonTests.deploy(server, app: app, AddonTests.app(from: "localhost/slipway-addon-\(kind.rawValue):\(kind.defaultVersion)",
                                                                             query: query))
                let created = try await runCLI(["addons", "create", app, kind.rawValue, "--server", server.baseURL])
                #expect(created.status == 0, "\(created.output)")
                #expect(try await AddonTests.query(server, app) == "1")

                let password = try await Self.password(server, app: app, kind: kind)
                let addon = try await Self.addonContainer(server, app: app)
                #expect(!(try await Self.inspect(addon.id)).contains(password), "inspect of the add-on shows its password")
                #expect(Self.commandLinesContaining(password).isEmpty, "a process' command line shows the password")
                // The client of `addons connect` gets it by a file too: it works, and leaves nothing behind.
                let client = kind == .redis ? "GET hits\n" : "SELECT 40 + 2;\n"
                let connected = try await runCLI(["addons", "connect", app, kind.rawValue, "--server", server.baseURL], stdin: Data(client.utf8))
                #expect(connected.status == 0 && connected.output.contains(kind == .redis ? "1" : "42"), "\(connected.output)")

                // The add-on's output is in the app's logs as addon.NAME.
                try await AddonTests.eventually("the add-on's lines are in the app's logs", within: .seconds(30)) {
                    let logs = try await runCLI(["logs", app, "--process", "addon.\(kind.rawValue)", "--server", server.baseURL])
                    return logs.output.contains(" addon.\(kind.rawValue) | ") && logs.output.contains(kind.readyLine)
                }
                // Interactive output without a terminal (a pipe: a script's or a CI log's) is masked as
                // `slipway run`'s is; the secret is the app's URL with the add-on's password in it.
                let variable = kind == .redis ? "REDIS_URL" : "DATABASE_URL"
                let piped = try await runCLI(["run", "-i", app, "--server", server.baseURL, "--", "sh"],
                                             stdin: Data("echo \"url=$\(variable) password=${\(variable)#*:*:}\"\n".utf8))
                #expect(piped.status == 0 && piped.output.contains("url=[redacted]") && !piped.output.contains(password), "\(piped.output)")
                let stored = try await runProcess(URL(fileURLWithPath: "/usr/bin/grep"), ["-rlF", password, server.dataDirectory.path])
                #expect(stored.output.isEmpty, "the password in plain text in the data directory: \(stored.output)")

                // An add-on as an older Slipway made it, left running while the server was upgraded.
                await server.stop()
                let old = try await Self.replaceWithOldStyle(addon.id, kind: kind, password: password)
                #expect(try await Self.inspect(old).contains(password), "the old way shows the password (the attack this closes)")
                try await server.start()
                try await AddonTests.eventually("the add-on is made again without its password in its configuration", within: .seconds(90)) {
                    guard let now = try await server.containers(app: app).first(where: { $0.labels["io.slipway.addon"] != nil }) else { return false }
                    return now.id != old && now.state == "running" && now.labels["io.slipway.addon-credentials"] == "file"
                }
                let remade = try await Self.addonContainer(server, app: app)
                #expect(!(try await Self.inspect(remade.id)).contains(password))
                #expect(Self.commandLinesContaining(password).isEmpty)
                var answer = ""
                do {
                    try await AddonTests.eventually("the app reaches the add-on's data again", within: .seconds(60)) {
                        // The data written before is still there (a try cut off by the restart may have written once more).
                        answer = try await AddonTests.query(server, app)
                        // (psql says NOTICE on stderr for the table that exists; the count is the last line.)
                        return (answer.split(separator: "\n").last.flatMap { Int($0) } ?? 0) >= 2
                    }
                } catch {
                    Issue.record("the app's last answer: \(answer)")
                    throw error
                }
            }
        }

        /// The add-on's password, as the app's container has it (secret config reaches the app's environment).
        static func password(_ server: TestServer, app: String, kind: AddonKind) async throws -> String {
            let replica = try #require(try await server.containers(app: app).first { $0.labels["io.slipway.addon"] == nil })
            let inspected = try await inspect(replica.id)
            let url = try #require(inspected.firstMatch(of: /(redis|postgres):\/\/[a-z]+:([0-9a-f]{32})@/), "\(app)'s URL")
            return String(url.output.2)
        }

        static func addonContainer(_ server: TestServer, app: String) async throws -> ContainerSummary {
            try #require(try await server.containers(app: app).first { $0.labels["io.slipway.addon"] != nil })
        }

        /// `GET /containers/{id}/json`, the whole answer as text (what `podman inspect` prints).
        static func inspect(_ id: String) async throws -> String {
            let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"),
                                              ["-sf", "--unix-socket", TestEngine.socketPath, "http://d/v1.41/containers/\(id)/json"])
            guard result.status == 0 else { throw TestFailure("inspect \(id): \(result.output)") }
            return result.output
        }

        /// Every process on the host whose command line holds `text`, as any user can read them.
        static func commandLinesContaining(_ text: String) -> [String] {
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
            return pids.compactMap { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
                let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                return line.contains(text) ? "\(pid): \(line)" : nil
            }
        }

        /// Replaces the add-on's container by one made as Slipway did before its password moved to a
        /// file (the same name, labels but the new one, network alias and volume); returns its id.
        static func replaceWithOldStyle(_ id: String, kind: AddonKind, password: String) async throws -> String {
            let current = try JSONSerialization.jsonObject(with: Data(try await inspect(id).utf8)) as? [String: Any] ?? [:]
            let config = current["Config"] as? [String: Any] ?? [:]
            let host = current["HostConfig"] as? [String: Any] ?? [:]
            let networks = (current["NetworkSettings"] as? [String: Any])?["Networks"] as? [String: Any] ?? [:]
            let name = String((current["Name"] as? String ?? "").drop { $0 == "/" })
            var labels = config["Labels"] as? [String: String] ?? [:]
            labels["io.slipway.addon-credentials"] = nil
            let network = try #require(networks.keys.first)
            let aliases = (networks[network] as? [String: Any])?["Aliases"] as? [String] ?? []
            var body: [String: Any] = [
                "Image": config["Image"] ?? "", "Labels": labels,
                "HostConfig": ["Binds": host["Binds"] ?? [], "NetworkMode": network, "Init": true],
                "NetworkingConfig": ["EndpointsConfig": [network: ["Aliases": aliases]]],
            ]
            switch kind {
            case .redis: body["Cmd"] = ["redis-server", "--requirepass", password, "--appendonly", "yes"]
            case .postgres: body["Env"] = ["POSTGRES_PASSWORD=\(password)", "POSTGRES_USER=slipway", "POSTGRES_DB=slipway"]
            }
            let docker = TestEngine.docker()
            try await docker.removeContainer(id, force: true)
            let json = try JSONSerialization.data(withJSONObject: body)
            let made = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"),
                                            ["-sf", "--unix-socket", TestEngine.socketPath, "-H", "Content-Type: application/json",
                                             "--data-binary", "@-", "http://d/v1.41/containers/create?name=\(name)"], stdin: json)
            let answer = try JSONSerialization.jsonObject(with: Data(made.output.utf8)) as? [String: Any]
            let newID = try #require(answer?["Id"] as? String, "create: \(made.output)")
            try await docker.startContainer(newID)
            return newID
        }
    }
}
