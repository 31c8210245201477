import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayDashboard
@testable import SlipwayServer
import Testing

/// Signing in to the dashboard, its session cookie, CSRF tokens and headers, in process: each
/// refusal is an attempt a hostile page or a stranger would make, checked to change nothing.
@Suite("Dashboard sign-in and refusals")
struct DashboardAuthTests {
    static let token = "dashboard-test-token-0123456789abcdef"
    static let configure: @Sendable (inout ServerConfiguration) -> Void = { $0.token = token }

    @Test("pages need a session; the admin token signs in with an HttpOnly, SameSite=Strict cookie; sign-out ends it")
    func signInAndOut() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            let browser = DashboardSession(server)
            let before = try await browser.get("/apps/demo")
            #expect(before.status == 303)
            #expect(before.headers[.location] == "/signin?next=/apps/demo")

            let form = try await browser.get("/signin")
            #expect(form.status == 200)
            #expect(form.body.contains(#"<label for="token">Admin token</label>"#))
            let signInCookie = form.headers[values: .setCookie].first { $0.hasPrefix("slipway_signin=") } ?? ""
            #expect(signInCookie.contains("HttpOnly") && signInCookie.contains("SameSite=Strict"), "\(signInCookie)")

            let wrong = try await browser.post("/signin", ["token": "not-the-token-0123456789abcdef0123"], csrf: DashboardSession.field("csrf", in: form.body))
            #expect(wrong.status == 401)
            #expect(wrong.body.contains("That is not the admin token"))
            #expect(browser.cookies["slipway_session"] == nil)

            let signedIn = try await browser.signIn(token: Self.token)
            #expect(signedIn.status == 303 && signedIn.headers[.location] == "/")
            let cookie = signedIn.headers[values: .setCookie].first { $0.hasPrefix("slipway_session=") } ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "\(cookie)")
            #expect(!cookie.contains("Secure"), "plain HTTP: no Secure flag, or the browser would drop it")
            let session = try #require(browser.cookies["slipway_session"])
            #expect(session.count == 64 && session != Self.token)

            let apps = try await browser.get("/")
            #expect(apps.status == 200)
            #expect(apps.body.contains("<h1>Apps</h1>"))

            let out = try await browser.post("/signout", [:])
            #expect(out.status == 303 && out.headers[.location] == "/signin")
            // The old cookie no longer opens anything.
            browser.setCookie("slipway_session", session)
            #expect(try await browser.get("/").status == 303)
        }
    }

    @Test("over HTTPS the session cookie is also Secure")
    func secureCookieOverHTTPS() async throws {
        // In process no listener reads these files: only the server's "the API speaks HTTPS" is under test.
        try await InProcessServer.with(configure: {
            $0.token = Self.token
            $0.tls = APITLSFiles(certificate: "/nonexistent/cert.pem", key: "/nonexistent/key.pem")
        }) { server in
            let browser = DashboardSession(server)
            let signedIn = try await browser.signIn(token: Self.token)
            let cookie = signedIn.headers[values: .setCookie].first { $0.hasPrefix("slipway_session=") } ?? ""
            #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
        }
    }

    @Test("the session cookie is no API token: /v1 still needs the bearer token")
    func sessionDoesNotOpenTheAPI() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            let browser = DashboardSession(server)
            try await browser.signIn(token: Self.token)
            let api = try await browser.get("/v1/apps")
            #expect(api.status == 401)
            #expect(api.errorCode == "unauthorized")
        }
    }

    @Test("a sign-in without the form's own token (login CSRF) is refused")
    func signInNeedsItsFormToken() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            let browser = DashboardSession(server)
            _ = try await browser.get("/signin")
            for forged in ["", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"] {
                let answer = try await browser.post("/signin", ["token": Self.token], csrf: forged)
                #expect(answer.status == 403)
                #expect(browser.cookies["slipway_session"] == nil)
            }
            // A page elsewhere cannot read the form's cookie: without it the right token is refused too.
            let fresh = try await browser.get("/signin")
            browser.forget("slipway_signin")
            let answer = try await browser.post("/signin", ["token": Self.token], csrf: DashboardSession.field("csrf", in: fresh.body))
            #expect(answer.status == 403)
            #expect(browser.cookies["slipway_session"] == nil)
        }
    }

    @Test("forms without the session's CSRF token, from another origin, or after the session expired change nothing")
    func refusedForms() async throws {
        try await InProcessServer.with(configure: {
            $0.token = Self.token
            $0.dashboardSessionLifetime = .seconds(2)
        }) { server in
            try await server.deploy("demo")
            let browser = DashboardSession(server)
            try await browser.signIn(token: Self.token)
            _ = try await browser.get("/apps/demo")
            #expect(browser.csrf != nil)
            let deploysBefore = try await server.get("/v1/apps/demo/deploys").body

            let forged = try await browser.post("/apps/demo/scale", ["service": "web", "replicas": "3"], csrf: "forged")
            #expect(forged.status == 403)
            #expect(forged.body.contains("CSRF token is missing or wrong"))
            let missing = try await browser.post("/apps/demo/destroy", ["confirm": "demo"], csrf: .some(nil))
            #expect(missing.status == 403)
            // The right token from a page of another origin: the API's Origin check refuses it first.
            let crossOrigin = try await browser.post("/apps/demo/destroy", ["confirm": "demo"], headers: [.origin: "http://evil.example"])
            #expect(crossOrigin.status == 403)
            #expect(crossOrigin.errorCode == "cross_origin")

            try await Task.sleep(for: .milliseconds(2100))
            let expired = try await browser.post("/apps/demo/scale", ["service": "web", "replicas": "3"])
            #expect(expired.status == 401)
            #expect(try await browser.get("/apps/demo").status == 303)

            // Nothing changed: same deploys, the app is there with one replica.
            #expect(try await server.get("/v1/apps/demo/deploys").body == deploysBefore)
            let app = try await server.get("/v1/apps/demo").decode(AppView.self)
            #expect(app.services.first?.replicas == 1)
        }
    }

    @Test("every dashboard answer carries a strict CSP, nosniff and a referrer policy; pages have no inline script", arguments: [
        "/signin", "/", "/apps/demo", "/assets/dashboard.js", "/assets/dashboard.css", "/apps/demo/no-such-page",
    ])
    func securityHeaders(path: String) async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            try await server.deploy("demo")
            let browser = DashboardSession(server)
            // The sign-in page is for those not signed in (others are sent on to the apps).
            if path != "/signin" { try await browser.signIn(token: Self.token) }
            let answer = try await browser.get(path)
            let csp = answer.headers[.contentSecurityPolicy] ?? ""
            #expect(answer.status == (path.hasSuffix("no-such-page") ? 404 : 200))
            #expect(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), "\(csp)")
            #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
            #expect(answer.headers[.xContentTypeOptions] == "nosniff")
            #expect(answer.headers[HTTPFields.Element.Name("Referrer-Policy")!] == "same-origin")
            if answer.headers[.contentType]?.hasPrefix("text/html") == true {
                #expect(answer.headers[.cacheControl] == "no-store")
                #expect(answer.body.ranges(of: #/<script(?![^>]*\bsrc=)/#).isEmpty, "inline script in \(path)")
                #expect(answer.body.ranges(of: #/\son[a-z]+\s*=/#).isEmpty, "inline event handler in \(path)")
            }
        }
    }

    @Test("after ten wrong tokens in a minute, sign-in pauses: even the right token is refused (429), no session is made")
    func wrongTokensPauseSignIn() async throws {
        try await InProcessServer.with(configure: Self.configure) { server in
            let browser = DashboardSession(server)
            for attempt in 1...10 {
                let wrong = try await browser.signIn(token: "guess-\(attempt)-0123456789abcdef0123456789")
                #expect(wrong.status == 401)
            }
            let paused = try await browser.signIn(token: Self.token)
            #expect(paused.status == 429)
            #expect(paused.body.contains("Too many wrong tokens"))
            #expect(Int(paused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(browser.cookies["slipway_session"] == nil)
            #expect(try await browser.get("/").status == 303)
            // The API's bearer token is not affected.
            #expect(try await server.request(.get, "/v1/apps").status == 200)
        }
    }

    @Test("the throttle forgets failures a minute old")
    func throttleWindow() {
        let throttle = SignInThrottle(failuresPerMinute: 3)
        let start = Date()
        for second in 0..<3 { throttle.failed(now: start.addingTimeInterval(Double(second))) }
        #expect(throttle.wait(now: start.addingTimeInterval(10)) == 50)
        #expect(throttle.wait(now: start.addingTimeInterval(60.5)) == nil)
    }
}
