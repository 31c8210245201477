import Foundation
import SlipwayTestSupport
import Testing

extension Integration {
    /// A hostile web page in a real browser (headless Chromium driven by selenium, see
    /// Tests/Browser/attack_page.py) against a server on loopback: the cross-site POSTs a browser
    /// sends without a preflight, a WebSocket to the log stream, and DNS rebinding. Each runs
    /// against a server with its token and against one with `--insecure-no-auth`, where the
    /// Host, Origin and Content-Type checks are all that stand in the way.
    @Suite("Browser attacks", .serialized)
    struct BrowserAttackTests {
        struct Report: Decodable {
            struct Attempt: Decodable {
                var reached: Bool
                var status: Int?
                var body: String?
            }
            struct CrossSite: Decodable {
                var text_plain_no_cors: Attempt
                var form_no_cors: Attempt
                var json_cors: Attempt
                var websocket: [String: Bool]
                var page_origin: String
            }
            struct Rebound: Decodable {
                var deploy: Attempt
                var list_apps: Attempt
                var page_origin: String
            }
            var cross_site: CrossSite
            var dns_rebinding: Rebound
        }

        static var script: URL {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Browser/attack_page.py")
        }

        /// Runs the page in Chromium; fails (never skips) when the browser or selenium is missing.
        static func attack(_ server: TestServer, app: String) async throws -> Report {
            _ = try Tools.require("chromium", package: "chromium")
            _ = try Tools.require("chromedriver", package: "chromium-driver")
            let python = "/opt/slipway-py/bin/python"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw TestFailure("\(python) is missing: bash scripts/setup.sh installs selenium there")
            }
            let result = try await runProcess(URL(fileURLWithPath: python), [script.path, String(server.apiPort), app],
                                        environment: ["SE_AVOID_STATS": "true"])
            guard result.status == 0, let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
                throw TestFailure("the browser attack page failed (\(result.status)):\n\(result.output.suffix(3000))")
            }
            return try JSONDecoder().decode(Report.self, from: Data(line.utf8))
        }

        @Test("a web page cannot deploy, open the log WebSocket or rebind DNS to the API", arguments: [[], ["--insecure-no-auth"]])
        func hostilePage(arguments: [String]) async throws {
            let app = "browsed"
            try await TestServer.with(arguments: arguments) { server in
                let report = try await Self.attack(server, app: app)
                let cross = report.cross_site
                #expect(cross.page_origin.hasPrefix("http://evil.attacker.test:"))
                // The browser did send the simple cross-site POSTs (an opaque answer came back)...
                #expect(cross.text_plain_no_cors.reached && cross.form_no_cors.reached)
                // ... a JSON one never got past its preflight, and the WebSocket never opened.
                #expect(!cross.json_cors.reached || (cross.json_cors.status ?? 0) >= 400)
                #expect(cross.websocket["opened"] == false)
                // DNS rebinding: the page is same-origin with the API and reads the refusal.
                let rebound = report.dns_rebinding
                #expect(rebound.page_origin == "http://rebind.attacker.test:\(server.apiPort)")
                for attempt in [rebound.deploy, rebound.list_apps] {
                    #expect(attempt.status == 403, "\(attempt)")
                    #expect(attempt.body?.contains(#""code":"wrong_host""#) == true, "\(attempt)")
                }
                // The server saw the cross-site requests and refused them for their origin.
                let log = server.serverLog()
                #expect(log.contains("refusal=cross_origin") && log.contains("request.origin=http://evil.attacker.test:"), "\(log.suffix(3000))")
                #expect(log.contains("refusal=wrong_host"))
                // Nothing changed: no app, no deploy, no container.
                try await APIAccessTests.expectNothingQueued(server, app: app)
                #expect(try await server.containers().isEmpty)
            }
        }
    }
}
