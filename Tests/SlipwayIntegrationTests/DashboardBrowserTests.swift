import Foundation
import NIOHTTP1
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// The dashboard as a new user meets it, in a real browser (headless Chromium driven by selenium,
    /// Tests/Browser/dashboard_flow.py) against a real `slipway server` on Podman, in a phone-sized
    /// window. Screenshots of every page land in `$SLIPWAY_ARTIFACTS/dashboard/` (`.build/artifacts/dashboard/`).
    @Suite("Dashboard in a browser", .serialized)
    struct DashboardBrowserTests {
        struct Report: Decodable {
            struct Page: Decodable {
                var path: String
                var title: String
            }
            struct Refusal: Decodable {
                var path: String
                var error: String?
                /// What the console said while the refused sign-in loaded (its 401).
                var console: [String]
            }
            struct Snapshot: Decodable {
                var status: String
                var stages: [String]
                var log: Int
            }
            struct Deploy: Decodable {
                var snapshots: [Snapshot]
                var final_status: String?
                var marker: String?
                var log: String
            }
            struct AppPage: Decodable {
                var title: String
                var h1: String
            }
            var first_page: Page
            var wrong_token: Refusal
            var after_signin: Page
            var deployed_row: String?
            var deploy_path: String
            var deploy: Deploy
            var new_row: String?
            var app_page: AppPage
            var console_errors: [String]
        }

        static var script: URL {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Browser/dashboard_flow.py")
        }

        /// `$SLIPWAY_ARTIFACTS/dashboard` (scripts/test.sh sets it; CI keeps the folder), else `.build/artifacts/dashboard`.
        static var screenshots: URL {
            let artifacts = ProcessInfo.processInfo.environment["SLIPWAY_ARTIFACTS"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent(".build/artifacts")
            return artifacts.appendingPathComponent("dashboard")
        }

        @Test("DNS rebinding: the dashboard answers no foreign Host, not even its sign-in page")
        func foreignHostRefused() async throws {
            try await TestServer.with { server in
                let host = "rebind.attacker.example:\(server.apiPort)"
                for (method, path) in [(HTTPMethod.GET, "/signin"), (.GET, "/"), (.POST, "/signin")] {
                    let answer = try await server.request(method, path, headers: ["Host": host, "Authorization": ""])
                    #expect(answer.status == 403, "\(method) \(path): \(answer.status) \(answer.body)")
                    #expect(answer.body.contains(#""code":"wrong_host""#))
                }
            }
        }

        @Test("sign in, see an app running on Podman, deploy one from the form and watch its stages fill in live")
        func newUser() async throws {
            _ = try Tools.require("chromium", package: "chromium")
            _ = try Tools.require("chromedriver", package: "chromium-driver")
            let python = "/opt/slipway-py/bin/python"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw TestFailure("\(python) is missing: bash scripts/setup.sh installs selenium there")
            }
            let suffix = UUID().uuidString.prefix(6).lowercased()
            let (seen, created) = ("dash-seen-\(suffix)", "dash-new-\(suffix)")
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "hello from the dashboard", replicas: 1))
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy(seen, source: repo.url).status == .completed)
                let token = try #require(server.token)
                let result = try await runProcess(URL(fileURLWithPath: python),
                                            [Self.script.path, server.baseURL, token, seen, created, repo.url, Self.screenshots.path],
                                            environment: ["SE_AVOID_STATS": "true"])
                guard result.status == 0, let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
                    throw TestFailure("the dashboard flow failed (\(result.status)):\n\(result.output.suffix(3000))")
                }
                let report = try JSONDecoder().decode(Report.self, from: Data(line.utf8))

                // Signing in: sent there first, a wrong token refused with the reason, the right one lets in.
                #expect(report.first_page.path == "/signin" && report.first_page.title.hasPrefix("Sign in"))
                #expect(report.wrong_token.error?.contains("not the admin token") == true, "\(report.wrong_token)")
                #expect(report.wrong_token.console.allSatisfy { $0.contains("/signin") && $0.contains("401") }, "\(report.wrong_token.console)")
                #expect(report.after_signin.path == "/" && report.after_signin.title.hasPrefix("Apps"))
                // The app deployed before is listed as serving its one replica.
                let row = try #require(report.deployed_row)
                #expect(row.contains("serving") && row.contains("web 1/1") && row.contains("v1"), "\(row)")

                // The deploy from the form: its page changed in place (no reload) as the stages moved on.
                #expect(report.deploy_path.hasPrefix("/deploys/"))
                let deploy = report.deploy
                #expect(deploy.final_status == "COMPLETED", "\(deploy.snapshots)\n\(deploy.log)")
                #expect(deploy.marker == "kept")
                #expect(deploy.snapshots.count >= 2, "the timeline changed in place: \(deploy.snapshots)")
                #expect(deploy.snapshots.contains { $0.stages.contains { $0.hasSuffix("=IN PROGRESS") } }, "\(deploy.snapshots)")
                #expect(deploy.snapshots.last?.stages.allSatisfy { $0.hasSuffix("=COMPLETED") } == true)
                #expect(deploy.log.contains("-----> build") && deploy.log.contains("Deploy completed"), "\(deploy.log)")
                // The new app serves through the router and is listed as serving.
                #expect(try await server.viaRouter(host: "\(created).localhost").body.contains("hello from the dashboard"))
                #expect(report.new_row?.contains("serving") == true, "\(report.new_row ?? "no row")")
                #expect(report.app_page.h1.hasPrefix(created))
                #expect(report.console_errors.isEmpty, "\(report.console_errors)")
            }
        }
    }
}
