import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayDashboard
@testable import SlipwayServer
import SlipwayStore
import Testing

/// Dashboard sessions are kept in the store (a real SQLite file), hashed: a restarted server keeps
/// a signed-in browser signed in, with working forms; sign-out and expiry still end a session, and
/// the database never holds the cookie's session id.
@Suite("Dashboard sessions across a restart")
struct DashboardSessionRestartTests {
    static let token = DashboardAuthTests.token

    @Test("a restart keeps the session (pages and forms work); sign-out ends it for good; the file holds only hashes")
    func sessionSurvivesRestart() async throws {
        let data = try DataDirectory()
        defer { data.remove() }
        let configure: @Sendable (inout ServerConfiguration) -> Void = { $0.token = Self.token }
        let cookie = try await InProcessServer.with(store: try data.store("slipway.sqlite"), dataDirectory: data.url, configure: configure) { server in
            try await server.deploy("demo")
            let browser = DashboardSession(server)
            try await browser.signIn(token: Self.token)
            #expect(try await browser.get("/").status == 200)
            return try #require(browser.cookies[SessionCookies.sessionName])
        }
        let stored = try data.store("slipway.sqlite").dashboardSessions(now: Date())
        #expect(stored.count == 1 && stored.first?.idHash != cookie && stored.first?.idHash == SessionStore.hash(cookie))
        let dump = try Data(contentsOf: data.url.appendingPathComponent("slipway.sqlite"))
            + ((try? Data(contentsOf: data.url.appendingPathComponent("slipway.sqlite-wal"))) ?? Data())
        #expect(dump.range(of: Data(cookie.utf8)) == nil, "the session id itself is in the database file")

        try await InProcessServer.with(store: try data.store("slipway.sqlite"), dataDirectory: data.url, configure: configure) { server in
            let browser = DashboardSession(server)
            browser.setCookie(SessionCookies.sessionName, cookie)
            let page = try await browser.get("/apps/demo")
            #expect(page.status == 200, "still signed in after the restart")
            #expect(page.body.contains("<h1>demo"))
            // A form of the page works: the CSRF token is the session's.
            let scaled = try await browser.post("/apps/demo/scale", ["service": "web", "replicas": "2"])
            #expect(scaled.status == 303 && scaled.headers[.location]?.hasPrefix("/deploys/") == true, "\(scaled.status) \(scaled.body.prefix(300))")
            #expect(try await browser.post("/signout", [:]).status == 303)
        }
        // Signed out before the restart: stays signed out after it.
        try await InProcessServer.with(store: try data.store("slipway.sqlite"), dataDirectory: data.url, configure: configure) { server in
            let browser = DashboardSession(server)
            browser.setCookie(SessionCookies.sessionName, cookie)
            let status = try await browser.get("/apps/demo").status
            #expect(status == 303)
        }
        #expect(try data.store("slipway.sqlite").dashboardSessions(now: Date()).isEmpty)
    }

    @Test("an expired session is refused after a restart too, and forgotten")
    func expiredAfterRestart() async throws {
        let data = try DataDirectory()
        defer { data.remove() }
        let configure: @Sendable (inout ServerConfiguration) -> Void = {
            $0.token = Self.token
            $0.dashboardSessionLifetime = .seconds(1)
        }
        let cookie = try await InProcessServer.with(store: try data.store("slipway.sqlite"), dataDirectory: data.url, configure: configure) { server in
            let browser = DashboardSession(server)
            try await browser.signIn(token: Self.token)
            return try #require(browser.cookies[SessionCookies.sessionName])
        }
        try await Task.sleep(for: .milliseconds(1200))
        try await InProcessServer.with(store: try data.store("slipway.sqlite"), dataDirectory: data.url, configure: configure) { server in
            let browser = DashboardSession(server)
            browser.setCookie(SessionCookies.sessionName, cookie)
            let status = try await browser.get("/").status
            #expect(status == 303)
        }
        #expect(try data.store("slipway.sqlite").dashboardSessions(now: Date()).isEmpty)
    }
}
