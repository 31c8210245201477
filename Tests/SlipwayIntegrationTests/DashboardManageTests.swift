import Foundation
import NIOHTTP1
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// The app page's forms in a real browser (Tests/Browser/dashboard_manage.py, headless Chromium
    /// driven by selenium) against a real `slipway server` on Podman, as the test list has
    /// them: change a config var and see the new release; add a secret and never see it again; scale
    /// to 3 and see three replicas become ready; roll back from the releases list; destroy.
    /// Screenshots in `$SLIPWAY_ARTIFACTS/dashboard/`.
    @Suite("Dashboard app forms in a browser", .serialized)
    struct DashboardManageTests {
        struct Report: Decodable {
            struct Page: Decodable {
                var releases: [String]
                var config: [[String]]
            }
            struct WrongName: Decodable {
                var path: String
                var message: String
            }
            struct Destroyed: Decodable {
                var notice: String?
                var rows: [String]
            }
            var before: Page
            var config_status: String
            var after_config: Page
            var secret_status: String
            var after_secret: Page
            var secret_seen_on: [String]
            var scale_status: String
            var replicas: [[String]]
            var replicas_heading: String
            var rollback_status: String
            var after_rollback: Page
            var wrong_name: WrongName
            var after_destroy: Destroyed
            var console_errors: [String]
            /// Requests Chromium aborted when Podman added or removed a network interface on the host.
            var network_changed: [String]
        }

        @Test("set a config var and a secret, scale to 3, roll back and destroy from the app page")
        func appForms() async throws {
            _ = try Tools.require("chromium", package: "chromium")
            _ = try Tools.require("chromedriver", package: "chromium-driver")
            let python = "/opt/slipway-py/bin/python"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw TestFailure("\(python) is missing: bash scripts/setup.sh installs selenium there")
            }
            let app = "dash-forms-\(UUID().uuidString.prefix(6).lowercased())"
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "hello from the forms", replicas: 1))
            defer { repo.remove() }
            // The script goes through a dozen pages in seconds, each with its live stream; a page left
            // keeps its place among the session's 8 until the server next writes to it, so the 9th
            // page within that time was refused with 429 (seen in CI). The per-session cap is
            // DashboardStreamLimitTests' subject; this test's is the forms, so it gets room.
            try await TestServer.with(arguments: ["--max-live-views-per-session", "64"]) { server in
                try #require(try await server.deploy(app, source: repo.url).status == .completed)
                let script = DashboardBrowserTests.script.deletingLastPathComponent().appendingPathComponent("dashboard_manage.py")
                let result = try await runProcess(URL(fileURLWithPath: python),
                                                  [script.path, server.baseURL, try #require(server.token), app, DashboardBrowserTests.screenshots.path],
                                                  environment: ["SE_AVOID_STATS": "true"])
                guard result.status == 0, let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
                    throw TestFailure("the dashboard forms flow failed (\(result.status)):\n\(result.output.suffix(3000))")
                }
                let report = try JSONDecoder().decode(Report.self, from: Data(line.utf8))
                if !report.network_changed.isEmpty { print("dashboard forms: requests aborted by a host network change: \(report.network_changed)") }
                #expect(report.before.releases == ["v1 (current)"], "\(report.before)")

                // The config var: a new release, current, with the var and its value.
                #expect(report.config_status == "COMPLETED")
                #expect(report.after_config.releases.first == "v2 (current)", "\(report.after_config)")
                #expect(report.after_config.config.contains(["GREETING", "hello from the form"]), "\(report.after_config)")
                // The secret: listed as [redacted]; its value on no page the browser was shown.
                #expect(report.secret_status == "COMPLETED")
                #expect(report.after_secret.releases.first == "v3 (current)", "\(report.after_secret)")
                #expect(report.after_secret.config.contains(["API_TOKEN", "[redacted]"]), "\(report.after_secret)")
                #expect(report.secret_seen_on.isEmpty, "the secret's value was shown on \(report.secret_seen_on)")
                // Scaled to 3: three replicas running and ready, in the table and its heading.
                #expect(report.scale_status == "COMPLETED")
                #expect(report.replicas.count == 3 && report.replicas.allSatisfy { $0[1] == "running" && $0[2] == "yes" }, "\(report.replicas)")
                #expect(report.replicas_heading == "3/3 ready", "\(report.replicas_heading)")
                // Rolled back to v1: a new release on top, current, with v1's config (neither var).
                #expect(report.rollback_status == "COMPLETED")
                let top = try #require(report.after_rollback.releases.first)
                #expect(top == "v5 (current)", "scale made v4: \(report.after_rollback)")
                #expect(!report.after_rollback.config.contains { $0.first == "GREETING" || $0.first == "API_TOKEN" }, "\(report.after_rollback)")
                // Destroy: a wrong name stays on the page with the reason; the right one leads to the apps page without the app.
                #expect(report.wrong_name.path == "/apps/\(app)" && report.wrong_name.message.contains("Type \(app) to confirm"), "\(report.wrong_name)")
                #expect(report.after_destroy.notice == "\(app) was destroyed.", "\(report.after_destroy)")
                #expect(!report.after_destroy.rows.contains(app), "\(report.after_destroy)")
                #expect(try await server.request(.GET, "/v1/apps/\(app)").status == 404)
                #expect(report.console_errors.isEmpty, "\(report.console_errors)")
            }
        }
    }
}
