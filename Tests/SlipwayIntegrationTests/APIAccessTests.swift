import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOHTTP1
import SlipwayTestSupport
import Testing

extension Integration {
    /// Only the operator drives the API (issue 14, section 1): a token made on first start, the
    /// CLI finding it, and the Host, Origin and Content-Type checks. Each attack test performs the
    /// attack, sees it refused, and checks that nothing changed.
    @Suite("API access", .serialized)
    struct APIAccessTests {
        static let attackSource = #"{"source": "https://attacker.invalid/payload.git"}"#

        /// No apps, no deploys: what every refused attack must leave behind.
        static func expectNothingQueued(_ server: TestServer, app: String) async throws {
            let apps = try await server.get("/v1/apps")
            #expect(apps.status == 200 && !apps.body.contains(app), "an app appeared: \(apps.body)")
            let deploys = try await server.get("/v1/apps/\(app)/deploys")
            #expect(deploys.status == 404 || deploys.body.contains(#""deploys":[]"#), "a deploy was queued: \(deploys.body)")
        }

        @Test("first start makes a 0600 admin token in the data directory; every call but /healthz needs it")
        func tokenByDefault() async throws {
            try await TestServer.with { (server: TestServer) async throws in
                let file = server.dataDirectory.appendingPathComponent("admin.token")
                let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber
                #expect(mode?.intValue == 0o600)
                let token = try #require(server.token)
                #expect(token.count >= 32 && token.allSatisfy(\.isHexDigit))
                let none = ["Authorization": "none"]
                #expect(try await server.get("/healthz", headers: none).status == 200)
                for path in ["/v1/apps", "/openapi.yaml", "/metrics", "/status?traceId=x", "/v1/apps/nope/logs/ws"] {
                    let answer = try await server.get(path, headers: none)
                    #expect(answer.status == 401, "\(path) answered \(answer.status) without a token")
                    #expect(answer.body.contains(#""code":"unauthorized""#))
                }
                #expect(try await server.get("/v1/apps", headers: ["Authorization": "Bearer \(String(repeating: "0", count: 64))"]).status == 401)
                // The attack: a local user without the token queues a deploy.
                let anonymous = try await server.request(.POST, "/v1/apps/tokenless/deploys", body: Data(Self.attackSource.utf8), headers: none)
                #expect(anonymous.status == 401)
                try await Self.expectNothingQueued(server, app: "tokenless")
                // The token outlives restarts.
                await server.stop()
                try await server.start()
                #expect(server.token == token)
                #expect(try await server.get("/v1/apps").status == 200)
            }
        }

        @Test("SLIPWAY_TOKEN replaces the file's token; one under 32 characters is refused at start with the command that makes one")
        func configuredToken() async throws {
            let good = String(repeating: "a1", count: 20)
            try await TestServer.with(environment: ["SLIPWAY_TOKEN": good]) { (server: TestServer) async throws in
                #expect(try await server.get("/v1/apps").status == 200)
                #expect(try await server.get("/v1/apps", headers: ["Authorization": "Bearer wrong"]).status == 401)
                #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("admin.token").path))
            }
            let refused = try await Self.startAndExit(["--listen", "127.0.0.1:\(try freePort())"], environment: ["SLIPWAY_TOKEN": "s3cret-token"])
            #expect(refused.status != 0)
            #expect(refused.output.contains("openssl rand -hex 32"), "\(refused.output)")
            #expect(refused.output.contains("at least 32"), "\(refused.output)")
        }

        @Test("--insecure-no-auth is refused beyond loopback; on loopback it logs what it allows")
        func insecureNoAuth() async throws {
            let refused = try await Self.startAndExit(["--listen", "0.0.0.0:\(try freePort())", "--insecure-no-auth"], environment: [:])
            #expect(refused.status != 0)
            #expect(refused.output.contains("loopback only"), "\(refused.output)")
            try await TestServer.with(arguments: ["--insecure-no-auth"]) { (server: TestServer) async throws in
                #expect(server.token == nil)
                #expect(try await server.get("/v1/apps").status == 200)
                #expect(server.serverLog().contains("--insecure-no-auth: every local user"), "\(server.serverLog().suffix(2000))")
                #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("admin.token").path))
            }
        }

        @Test("the CLI finds the token: SLIPWAY_TOKEN, then ~/.slipway/config for its own server, then a loopback server's admin.token")
        func cliFindsToken() async throws {
            try await TestServer.with { (server: TestServer) async throws in
                let token = try #require(server.token)
                let home = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-home-\(UUID().uuidString.prefix(8))")
                defer { try? FileManager.default.removeItem(at: home) }
                try FileManager.default.createDirectory(at: home.appendingPathComponent(".slipway"), withIntermediateDirectories: true)
                func apps(_ environment: [String: String], server url: String? = nil) async throws -> (status: Int32, output: String) {
                    var environment = environment
                    environment["HOME"] = home.path
                    environment["SLIPWAY_TOKEN"] = environment["SLIPWAY_TOKEN"] ?? ""
                    environment["SLIPWAY_SERVER"] = url ?? server.baseURL
                    return try await runProcess(TestServer.binary, ["apps", "--json"], environment: environment)
                }
                // Nothing to find: refused, and the message says where the token is looked for.
                let nothing = try await apps([:])
                #expect(nothing.status != 0 && nothing.output.contains("token"), "\(nothing.output)")
                // A loopback server's admin.token in the default data directory (~/.slipway).
                let dataToken = home.appendingPathComponent(".slipway/admin.token")
                try (token + "\n").write(to: dataToken, atomically: true, encoding: .utf8)
                #expect(try await apps([:]).status == 0)
                try FileManager.default.removeItem(at: dataToken)
                // ~/.slipway/config with the server and its token.
                let config = home.appendingPathComponent(".slipway/config")
                try "server: \(server.baseURL)\ntoken: \(token)\n".write(to: config, atomically: true, encoding: .utf8)
                let fromConfig = try await runProcess(TestServer.binary, ["apps", "--json"],
                                                environment: ["HOME": home.path, "SLIPWAY_TOKEN": "", "SLIPWAY_SERVER": ""])
                #expect(fromConfig.status == 0, "\(fromConfig.output)")
                // SLIPWAY_TOKEN wins over the config file.
                #expect(try await apps(["SLIPWAY_TOKEN": String(repeating: "f", count: 64)]).status != 0)
                // The config's token is not sent to another server than its own.
                try "server: http://127.0.0.2:\(server.apiPort)\ntoken: \(token)\n".write(to: config, atomically: true, encoding: .utf8)
                #expect(try await apps([:]).status != 0)
            }
        }

        @Test("a JSON body without Content-Type: application/json is refused with 415 and queues nothing")
        func jsonContentType() async throws {
            try await TestServer.with { (server: TestServer) async throws in
                for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx"] {
                    let answer = try await server.request(.POST, "/v1/apps/typed/deploys", body: Data(Self.attackSource.utf8),
                                                          headers: ["Content-Type": type])
                    #expect(answer.status == 415, "\(type): \(answer.status) \(answer.body)")
                    #expect(answer.body.contains(#""code":"unsupported_media_type""#))
                }
                let patch = try await server.request(.PATCH, "/v1/apps/typed/config", body: Data(#"{"set": {"A": "b"}}"#.utf8),
                                                     headers: ["Content-Type": "text/plain"])
                #expect(patch.status == 415)
                let trigger = try await server.request(.POST, "/trigger", body: Data(#"{"gitrepo": "https://attacker.invalid/x.git"}"#.utf8),
                                                       headers: ["Content-Type": "text/plain"])
                #expect(trigger.status == 415)
                try await Self.expectNothingQueued(server, app: "typed")
            }
        }

        @Test("DNS rebinding: a request with a foreign Host is refused with 403 and changes nothing, with or without a token")
        func dnsRebindingHost() async throws {
            for arguments in [[], ["--insecure-no-auth"]] {
                try await TestServer.with(arguments: arguments) { (server: TestServer) async throws in
                    let host = "rebind.attacker.example:\(server.apiPort)"
                    let post = try await server.request(.POST, "/v1/apps/rebound/deploys", body: Data(Self.attackSource.utf8), headers: ["Host": host])
                    #expect(post.status == 403, "\(post.status) \(post.body)")
                    #expect(post.body.contains(#""code":"wrong_host""#) && post.body.contains("DNS rebinding"))
                    let read = try await server.get("/v1/apps", headers: ["Host": host])
                    #expect(read.status == 403)
                    try await Self.expectNothingQueued(server, app: "rebound")
                    // The names it does serve.
                    for good in ["localhost:\(server.apiPort)", "127.0.0.1:\(server.apiPort)", "[::1]:\(server.apiPort)"] {
                        #expect(try await server.get("/v1/apps", headers: ["Host": good]).status == 200, "\(good)")
                    }
                }
            }
            try await TestServer.with(arguments: ["--api-host", "slipway.example.test"]) { (server: TestServer) async throws in
                #expect(try await server.get("/v1/apps", headers: ["Host": "slipway.example.test:\(server.apiPort)"]).status == 200)
                #expect(try await server.get("/v1/apps", headers: ["Host": "other.example.test"]).status == 403)
            }
        }

        @Test("a state-changing request or WebSocket from another Origin is refused with 403 and changes nothing")
        func crossOrigin() async throws {
            try await TestServer.with { (server: TestServer) async throws in
                let origin = "http://attacker.example"
                let post = try await server.request(.POST, "/v1/apps/crossed/deploys", body: Data(Self.attackSource.utf8), headers: ["Origin": origin])
                #expect(post.status == 403, "\(post.status) \(post.body)")
                #expect(post.body.contains(#""code":"cross_origin""#))
                let delete = try await server.request(.DELETE, "/v1/apps/crossed", headers: ["Origin": "null"])
                #expect(delete.status == 403)
                try await Self.expectNothingQueued(server, app: "crossed")
                // The API's own origin passes (a page it would serve itself).
                let same = try await server.request(.POST, "/v1/apps/crossed/scale", body: Data(#"{"web": 1}"#.utf8),
                                                    headers: ["Origin": server.baseURL])
                #expect(same.status == 404, "\(same.status) \(same.body)")
                // WebSocket upgrade from another origin: never upgraded, and refused as the API refuses
                // (403 and the JSON error with the reason; hummingbird-websocket's own answer was an empty 400).
                let token = try #require(server.token)
                // curl sends the upgrade as a browser would (AsyncHTTPClient does not speak upgrades).
                func upgrade(origin: String?) async throws -> String {
                    var arguments = ["-s", "-i", "--max-time", "10", "-H", "Authorization: Bearer \(token)", "-H", "Connection: Upgrade",
                                     "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
                    if let origin { arguments += ["-H", "Origin: \(origin)"] }
                    return try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), arguments + [server.baseURL + "/v1/apps/crossed/logs/ws"]).output
                }
                let refused = try await upgrade(origin: origin)
                #expect(refused.hasPrefix("HTTP/1.1 403") && refused.lowercased().contains("content-type: application/json")
                    && refused.contains(#""code":"cross_origin""#) && refused.contains("requests from the web page at \(origin) are refused"),
                    "\(refused)")
                // Any other refused upgrade says why too: no such app (404).
                let missing = try await upgrade(origin: nil)
                #expect(missing.hasPrefix("HTTP/1.1 404") && missing.contains(#""code":"not_found""#), "\(missing)")
                let url = server.baseURL.replacingOccurrences(of: "http://", with: "ws://") + "/v1/apps/crossed/logs/ws"
                var upgraded = true
                do {
                    try await WebSocketClient.connect(
                        url: url, configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)", .origin: origin]),
                        logger: Logger(label: "test.ws")) { _, _, _ in }
                } catch {
                    upgraded = false
                }
                #expect(!upgraded, "the WebSocket from \(origin) was upgraded")
            }
        }

        /// Starts `slipway server` expecting it to refuse: its exit status and output.
        static func startAndExit(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-refused-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: data) }
            var environment = environment
            environment["SLIPWAY_TOKEN"] = environment["SLIPWAY_TOKEN"] ?? ""
            let result = try await runProcess(TestServer.binary, ["server", "--data", data.path, "--router", "127.0.0.1:\(try freePort())",
                                                            "--engine-socket", TestEngine.socketPath] + arguments, environment: environment)
            await RouterProcesses.stop(data: data.path)  // had it started one before refusing
            return result
        }
    }
}
