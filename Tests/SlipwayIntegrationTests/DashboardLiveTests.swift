import Commands
import Foundation
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// The dashboard's live pages in a real browser (Tests/Browser/dashboard_observe.py, headless
    /// Chromium driven by selenium) against a real `slipway server` on Podman: a line the app writes
    /// shows on the logs page, pause holds lines back, the text filter hides the rest; the metrics
    /// page's charts fill in after traffic through the router; a replica killed from outside is seen
    /// restarting in the app page's table without a reload. Also measures the apps page's first
    /// render and the server's memory before and after. Screenshots in `$SLIPWAY_ARTIFACTS/dashboard/`.
    @Suite("Dashboard live pages in a browser", .serialized)
    struct DashboardLiveTests {
        struct Report: Decodable {
            struct Timing: Decodable {
                var response_end_ms: Double
                var dom_content_loaded_ms: Double
                var first_contentful_paint_ms: Double?
            }
            struct Paused: Decodable {
                var shown: Int
                var status: String
            }
            struct Filtered: Decodable {
                var marker: Int
                var held: Int
                var visible: Int
            }
            struct Download: Decodable {
                var type: String?
                var disposition: String?
                var text: String
            }
            struct Chart: Decodable {
                var points: Int
                var max: Double
            }
            var apps_timing: Timing
            var log_line_seconds: Double
            var log_line: String?
            var paused: Paused
            var resumed_shown: Int
            var filtered: Filtered
            var download_href: String
            var download: Download
            var charts: [String: Chart]
            var metrics_status: String
            /// The replicas table's rows (cells' text) each time it changed after the kill.
            var replica_rows: [[[String]]]
            var app_marker: String?
            var events: [String]
            var console_errors: [String]
            struct ChartTable: Decodable {
                var caption: String
                var headers: [String]
                var rows: Int
                var first: [String]
            }
            var chart_tables: [ChartTable?]
            struct Phone: Decodable {
                var viewport: Int
                var page: Int
                var table: Int
                var box: Int
            }
            var phone: Phone
            struct PageState: Decodable {
                var releases: [String]
                var rollbacks: Int
                var config: [[String]]
                var heading: String
                var notice: String?
            }
            struct LiveChange: Decodable {
                var mark: String
                var before: PageState
                var after: PageState
            }
            var live_change: LiveChange
            struct AppsLive: Decodable {
                struct Added: Decodable {
                    var seconds: Double
                    var rows: [String]
                    var serving: String?
                    var announced: String?
                }
                struct Removed: Decodable {
                    var seconds: Double?
                    var rows: [String]
                    var announced: String
                }
                var added: Added
                var removed: Removed
                var marker: String?
            }
            var apps_live: AppsLive
        }

        /// An app whose CGI script writes its query string to the app's log (stderr).
        static let files = [
            "Dockerfile": "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/say\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
            "www/index.html": "observed",
            "www/cgi-bin/say": "#!/bin/sh\necho \"said $QUERY_STRING\" >&2\nprintf 'Content-Type: text/plain\\r\\n\\r\\nok\\n'\n",
            "slipway.yaml": "services:\n  web:\n    port: 8080\n    replicas: 1\n",
        ]

        static func residentKB(_ pid: Int32?) -> Int? {
            guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }

        @Test("a line the app writes appears live on the logs page; the metrics charts have points after traffic")
        func logsAndMetrics() async throws {
            _ = try Tools.require("chromium", package: "chromium")
            _ = try Tools.require("chromedriver", package: "chromium-driver")
            let python = "/opt/slipway-py/bin/python"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw TestFailure("\(python) is missing: bash scripts/setup.sh installs selenium there")
            }
            let app = "dash-live-\(UUID().uuidString.prefix(6).lowercased())"
            let repo = try await GitRepository(files: Self.files)
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy(app, source: repo.url).status == .completed)
                let before = Self.residentKB(server.process?.processIdentifier)
                let script = DashboardBrowserTests.script.deletingLastPathComponent().appendingPathComponent("dashboard_observe.py")
                let result = try await runProcess(URL(fileURLWithPath: python),
                                                  [script.path, server.baseURL, try #require(server.token), app,
                                                   "http://127.0.0.1:\(server.routerPort)", DashboardBrowserTests.screenshots.path, repo.url],
                                                  environment: ["SE_AVOID_STATS": "true"])
                let after = Self.residentKB(server.process?.processIdentifier)
                guard result.status == 0, let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
                    throw TestFailure("the dashboard flow failed (\(result.status)):\n\(result.output.suffix(3000))")
                }
                let report = try JSONDecoder().decode(Report.self, from: Data(line.utf8))
                print("dashboard figures: apps page \(report.apps_timing), log line shown after \(report.log_line_seconds) s, "
                      + "server RSS \(before ?? 0) KB before the browser, \(after ?? 0) KB after, an app added shown after "
                      + "\(report.apps_live.added.seconds) s, removed after \(report.apps_live.removed.seconds ?? -1) s")

                // An app deployed and destroyed through the API while the apps page is open: its row comes
                // (filtered like the others by the text typed before), turns serving and goes, with no reload.
                let other = app + "-more"
                let live = report.apps_live
                #expect(live.added.rows.contains { $0.hasPrefix(other + " ") }, "\(live.added.rows)")
                #expect(live.added.rows.contains { $0.hasPrefix("hidden \(app) ") }, "the filter hides the rest: \(live.added.rows)")
                #expect(live.added.serving?.contains("web 1/1") == true, "\(live.added)")
                #expect(live.added.announced == "Added: \(other).", "\(live.added)")
                #expect(live.removed.seconds != nil && !live.removed.rows.contains { $0.contains(other + " ") }, "\(live.removed)")
                #expect(live.removed.rows.contains { $0.hasPrefix(app + " ") }, "\(live.removed)")
                #expect(live.removed.announced == "Removed: \(other).", "\(live.removed)")
                #expect(live.marker == "kept")

                // The line the app wrote, with its replica's name, within a second of being written.
                #expect(report.log_line?.contains("web.1") == true && report.log_line?.contains("said marker-") == true, "\(report.log_line ?? "none")")
                #expect(report.log_line_seconds < 1.0)
                // Paused: the next line waits (and the page says so); resumed: it shows.
                #expect(report.paused.shown == 0 && report.paused.status.contains("1 new line"), "\(report.paused)")
                #expect(report.resumed_shown == 1)
                // Filtered by text: only the held line is visible.
                #expect(report.filtered.held == 1 && report.filtered.marker == 0 && report.filtered.visible == 1, "\(report.filtered)")
                #expect(report.download_href.hasSuffix("/apps/\(app)/logs/download?process=&since="))
                // After traffic, requests per second above zero, CPU and memory drawn.
                #expect((report.charts["requests"]?.max ?? 0) > 0, "\(report.charts) \(report.metrics_status)")
                #expect((report.charts["latency"]?.points ?? 0) > 0, "\(report.charts)")
                #expect((report.charts["cpu"]?.points ?? 0) > 0 && (report.charts["memory"]?.max ?? 0) > 0, "\(report.charts)")
                // The killed replica's row changed in place: restarted once more, running and ready again, CPU and memory shown.
                let first = try #require(report.replica_rows.first?.first)
                let last = try #require(report.replica_rows.last?.first)
                #expect(report.app_marker == "kept")
                #expect(Int(last[3]) == (Int(first[3]) ?? 0) + 1 && last[1] == "running" && last[2] == "yes", "\(report.replica_rows)")
                #expect(first[6].hasSuffix("%") && first[7].hasSuffix("MB"), "CPU and memory of the replica: \(first)")
                #expect(report.events.contains { $0.contains("replica.restarted") && $0.contains("web.1") }, "\(report.events)")
                #expect(report.console_errors.isEmpty, "\(report.console_errors)")
                // Every chart has its figures as a table: a caption, Time and a column per series, numbers in the rows.
                #expect(report.chart_tables.count == 5 && report.chart_tables.allSatisfy { $0 != nil }, "\(report.chart_tables)")
                let requests = try #require(report.chart_tables.first ?? nil)
                #expect(requests.caption.hasPrefix("Requests per second") && requests.headers.first == "Time" && requests.headers.contains("2xx"), "\(requests)")
                #expect(requests.rows > 0 && requests.first.count == requests.headers.count, "\(requests)")
                // 390 px wide: neither the page nor the replicas table scrolls sideways.
                #expect(report.phone.page <= report.phone.viewport && report.phone.table <= report.phone.box, "\(report.phone)")
                // The config change made through the API: a new current release and the var, shown in place.
                let change = report.live_change
                #expect(change.after.config.contains { $0.first == "LIVE_MARK" && $0.last == change.mark }, "\(change)")
                #expect(change.after.releases.first?.hasSuffix("(current)") == true && change.after.releases.first != change.before.releases.first, "\(change)")
                #expect(change.after.releases.count == change.before.releases.count + 1 && change.after.rollbacks == change.before.rollbacks + 1, "\(change)")
                #expect(change.after.heading.contains(String(change.after.releases.first?.prefix { $0 != " " } ?? "none")), "\(change)")
                #expect(change.after.notice == nil, "no reload link: \(change.after.notice ?? "")")
                // The download: the stored lines as a text file, each with its time and replica.
                #expect(report.download.type?.hasPrefix("text/plain") == true && report.download.disposition?.contains("attachment") == true)
                #expect(report.download.text.split(separator: "\n").contains { $0.contains(" web.1 said marker-") }, "\(report.download.text.suffix(500))")
            }
        }
    }
}
