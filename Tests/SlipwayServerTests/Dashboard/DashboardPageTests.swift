import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayDashboard
@testable import SlipwayServer
import Testing

/// The dashboard's pages and forms in process: what they show of the API's state, that every form
/// does its work through the API (a release, a destroy), and that hostile text comes out escaped.
@Suite("Dashboard pages")
struct DashboardPageTests {
    static let token = DashboardAuthTests.token
    static let configure = DashboardAuthTests.configure

    static func signedIn(_ server: InProcessServer) async throws -> DashboardSession {
        let browser = DashboardSession(server)
        try #require(try await browser.signIn(token: token).status == 303)
        return browser
    }

    @Test("the apps page lists each app with status, release, replicas ready/desired, URL and last deploy")
    func appsPage() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            let deploy = try await server.deploy("demo")
            try await server.deploy("second")
            let browser = try await Self.signedIn(server)
            let page = try await browser.get("/")
            #expect(page.status == 200)
            let row = try #require(Self.element(#"<tr data-app="demo">"#, "</tr>", in: page.body))
            #expect(row.contains(#"<a href="/apps/demo">demo</a>"#))
            #expect(row.contains("status-serving"), "\(row)")
            #expect(row.contains("v1"))
            #expect(row.contains("web 1/1"))
            #expect(row.contains(server.configuration.appURL("demo")))
            #expect(row.contains(#"<a href="/deploys/\#(deploy.traceId)">COMPLETED</a>"#))
            #expect(page.body.contains(#"<tr data-app="second">"#))
            #expect(page.body.contains(#"<label for="app-filter">Filter apps</label>"#))
        }
    }

    @Test("with no apps the page says so, and still holds the (hidden) list its live stream fills when one comes")
    func emptyAppsPage() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            let page = try await Self.signedIn(server).get("/")
            #expect(page.status == 200)
            #expect(page.body.contains(#"<p id="no-apps">No apps yet."#), "\(page.body)")
            #expect(page.body.contains(#"<div class="scroll" hidden>"#) && page.body.contains(#"<table id="apps" class="cards" data-live="/live">"#))
            #expect(!page.body.contains("<tr data-app="))
        }
    }

    @Test("the app page: replicas, releases newest first with Rollback, config with secrets redacted, events")
    func appPage() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            try await server.deploy("demo")
            _ = try await server.change(.patch, "/v1/apps/demo/config", body: #"{"set": {"PLAIN": "visible-value", "TOKEN": "hunter2-secret"}, "secret": ["TOKEN"]}"#)
            let browser = try await Self.signedIn(server)
            let page = try await browser.get("/apps/demo")
            #expect(page.status == 200)
            #expect(page.body.contains("<h1>demo"))
            #expect(page.body.contains(#"<th scope="row">web.1</th>"#) || page.body.contains(#"<th scope="row">web.0</th>"#), "replica rows")
            let releases = try #require(Self.element(#"<table id="release-list">"#, "</table>", in: page.body))
            let v2 = try #require(releases.range(of: "v2 (current)")), v1 = try #require(releases.range(of: ">v1<"))
            #expect(v2.lowerBound < v1.lowerBound, "newest first")
            #expect(releases.contains(#"aria-label="Roll back to v1""#))
            #expect(!releases.contains(#"aria-label="Roll back to v2""#))
            #expect(page.body.contains("visible-value"))
            #expect(page.body.contains("[redacted]"))
            #expect(!page.body.contains("hunter2-secret"))
            #expect(page.body.contains("config.changed") || page.body.contains("release.created"))
        }
    }

    @Test("forms work through the API: set and remove config, scale, roll back, deploy page, destroy with typed confirmation")
    func actions() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            try await server.deploy("demo")
            let browser = try await Self.signedIn(server)
            _ = try await browser.get("/apps/demo")

            let set = try await browser.post("/apps/demo/config", ["key": "GREETING", "value": "hello there", "secret": "1"])
            #expect(set.status == 303)
            let trace = try #require(set.headers[.location]?.replacingOccurrences(of: "/deploys/", with: ""))
            #expect(try await server.waitForDeploy(trace).status == .completed)
            var config = try await server.get("/v1/apps/demo/config").decode(ConfigView.self)
            #expect(config.secretKeys == ["GREETING"])
            #expect(!(try await browser.get("/apps/demo").body.contains("hello there")))

            let deployPage = try await browser.get("/deploys/\(trace)")
            #expect(deployPage.status == 200)
            #expect(deployPage.body.contains(#"data-events="/deploys/\#(trace)/events""#))
            #expect(deployPage.body.contains("COMPLETED"))

            let unset = try await browser.post("/apps/demo/config/unset", ["key": "GREETING"])
            _ = try await server.waitForDeploy(try #require(unset.headers[.location]?.replacingOccurrences(of: "/deploys/", with: "")))
            config = try await server.get("/v1/apps/demo/config").decode(ConfigView.self)
            #expect(config.config["GREETING"] == nil)

            let scale = try await browser.post("/apps/demo/scale", ["service": "web", "replicas": "2"])
            _ = try await server.waitForDeploy(try #require(scale.headers[.location]?.replacingOccurrences(of: "/deploys/", with: "")))
            #expect(try await server.get("/v1/apps/demo").decode(AppView.self).services.first?.replicas == 2)

            let badScale = try await browser.post("/apps/demo/scale", ["service": "nope", "replicas": "2"])
            #expect(badScale.status == 400)
            #expect(badScale.body.contains("has no service nope"))

            let rollback = try await browser.post("/apps/demo/rollback", ["version": "1"])
            _ = try await server.waitForDeploy(try #require(rollback.headers[.location]?.replacingOccurrences(of: "/deploys/", with: "")))
            #expect(try await server.get("/v1/apps/demo").decode(AppView.self).currentRelease == 5)
            #expect(try await server.get("/v1/apps/demo/releases").decode(ReleaseList.self).releases.first { $0.current }?.description?.contains("v1") == true)

            let mistyped = try await browser.post("/apps/demo/destroy", ["confirm": "dem"])
            #expect(mistyped.status == 400)
            #expect(mistyped.body.contains("type its name exactly"))
            #expect(try await server.get("/v1/apps/demo").status == 200)

            let destroyed = try await browser.post("/apps/demo/destroy", ["confirm": "demo"])
            #expect(destroyed.status == 303 && destroyed.headers[.location] == "/?destroyed=demo")
            #expect(try await server.get("/v1/apps/demo").status == 404)
            #expect(try await browser.get("/?destroyed=demo").body.contains("demo was destroyed."))
        }
    }

    @Test("a deploy's events: its stages as JSON, its log, then the end")
    func deployEvents() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            let deploy = try await server.deploy("demo")
            let browser = try await Self.signedIn(server)
            let events = try await browser.get("/deploys/\(deploy.traceId)/events")
            #expect(events.status == 200)
            #expect(events.headers[.contentType] == "text/event-stream")
            #expect(events.body.contains("event: deploy\ndata: {"))
            #expect(events.body.contains(#""status":"COMPLETED""#))
            #expect(events.body.contains("event: log\ndata: {\"offset\":0,"))
            #expect(events.body.hasSuffix("event: end\ndata: {}\n\n"))
            #expect(try await browser.get("/deploys/no-such-trace/events").status == 404)
            // Not signed in: no events.
            #expect(try await DashboardSession(server).get("/deploys/\(deploy.traceId)/events").status == 401)
        }
    }

    @Test("page weight: HTML, stylesheet and script of an app's page and of the apps page with 100 apps are at most 60 KB each")
    func pageWeight() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            var traces: [String] = []
            for index in 0..<100 { traces.append(try await server.queueDeploy("weight-\(index)")) }
            for trace in traces { _ = try await server.waitForDeploy(trace) }
            _ = try await server.change(.patch, "/v1/apps/weight-0/config", body: #"{"set": {"GREETING": "hi"}}"#)
            let browser = try await Self.signedIn(server)
            var common = 0
            // Every page loads the stylesheet and the common script; the apps page live.js, an app's page app.js.
            for asset in ["dashboard.css", "dashboard.js"] { common += try await browser.get("/assets/" + asset).body.utf8.count }
            let appPage = try await browser.get("/apps/weight-0").body
            let apps = try await browser.get("/").body
            #expect(appPage.contains(#"<script src="/assets/app.js" defer></script>"#) && apps.contains(#"<script src="/assets/live.js" defer></script>"#))
            let app = appPage.utf8.count + common + (try await browser.get("/assets/app.js").body.utf8.count)
            let appsTotal = apps.utf8.count + common + (try await browser.get("/assets/live.js").body.utf8.count)
            #expect(apps.components(separatedBy: "<tr data-app=").count == 101)
            print("dashboard page weight: app page with CSS and JS \(app) B; apps page with 100 apps, CSS and JS \(appsTotal) B")
            #expect(app <= 60_000)
            #expect(appsTotal <= 60_000)
        }
    }

    static let hostile = #"<script>alert("xss")</script><img src=x onerror=alert(1)>"#

    @Test("hostile config values, names, refs, notices and log lines come out escaped")
    func hostileTextIsEscaped() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            try await server.deploy("demo")
            let value = String(data: try JSONEncoder().encode(Self.hostile), encoding: .utf8) ?? ""
            _ = try await server.change(.patch, "/v1/apps/demo/config", body: #"{"set": {"EVIL": \#(value)}}"#)
            // A deploy that fails on a manifest naming a service with markup: the message is in the log and the error.
            let failing = try await server.queueDeploy("demo", files: SourceTree.web.merging(["slipway.yaml": "services:\n  '<script>alert(1)</script>':\n    port: 8080\n"]) { $1 })
            let failed = try await server.waitForDeploy(failing)
            #expect(failed.status == .error)
            let browser = try await Self.signedIn(server)
            var pages = [
                try await browser.get("/apps/demo").body,
                try await browser.get("/deploys/\(failing)").body,
                try await browser.get("/?destroyed=" + DashboardSession.encode(Self.hostile)).body,
                try await browser.get("/apps/" + DashboardSession.encode(Self.hostile)).body,
            ]
            _ = try await browser.get("/")
            pages.append(try await browser.post("/deploys", ["app": "demo", "source": "https://example.com/r.git", "ref": Self.hostile]).body)
            pages.append(try await browser.post("/deploys", ["app": Self.hostile, "source": "https://example.com/r.git"]).body)
            #expect(pages[0].contains("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
            #expect(pages[1].contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(pages[1].suffix(1500))")
            for page in pages {
                #expect(!page.contains("<script>alert"), "\(page.suffix(1500))")
                #expect(!page.contains("<img src=x"))
            }
        }
    }

    @Test("log text split anywhere between reads comes out whole, with offsets the page can count")
    func logChunksKeepUTF8Whole() throws {
        let text = "héllo ✓ 日本 🚀 done\n"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            let chunker = LogChunker()
            let parts = [bytes[..<cut], bytes[cut...]].compactMap { chunker.chunk(ByteBuffer(bytes: $0)) }
            #expect(parts.map(\.text).joined() == text, "cut at \(cut)")
            #expect(parts.first?.offset == 0)
            if parts.count == 2 { #expect(parts[1].offset == parts[0].text.utf16.count) }
        }
    }

    /// The text from `start` up to and including the next `end`.
    static func element(_ start: String, _ end: String, in html: String) -> String? {
        guard let from = html.range(of: start), let to = html.range(of: end, range: from.upperBound..<html.endIndex) else { return nil }
        return String(html[from.lowerBound..<to.upperBound])
    }
}
