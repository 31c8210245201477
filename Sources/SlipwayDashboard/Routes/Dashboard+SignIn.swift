import Foundation
import Hummingbird
import Logging

extension Dashboard {
    struct SignInView {
        var signedIn = false
        var signinCSRF: String
        var next: String
        var tokenRequired: Bool
        var error: String?
    }

    /// Sign in with the admin token (the CLI's), sign out. The sign-in form carries a CSRF token
    /// of its own (a cookie and a field that must match), so no other site can sign a browser in.
    func addSignInRoutes(to router: Router<BasicRequestContext>) {
        router.get("/signin") { request, _ in
            if await session(of: request) != nil { return Redirect.to("/") }
            return signInPage(next: Redirect.localPath(request.uri.queryParameters.get("next")), error: nil, status: .ok)
        }
        router.post("/signin") { request, context in
            var request = request
            let form = try await FormFields.read(&request)
            let expected = request.cookies[SessionCookies.signInName]?.value ?? ""
            let next = Redirect.localPath(form["next"])
            guard !expected.isEmpty, RandomToken.equal(form["csrf"] ?? "", expected) else {
                context.logger.notice("refused a sign-in without the form's CSRF token", metadata: ["refusal": "csrf"])
                return signInPage(next: next, error: "The sign-in form had expired or came from another page; nothing was done. Sign in again.",
                                  status: .forbidden)
            }
            if let token = api.token {
                if let wait = throttle.wait() {
                    context.logger.notice("refused a dashboard sign-in: too many wrong tokens this minute", metadata: ["refusal": "sign_in_throttled"])
                    var response = signInPage(next: next, error: "Too many wrong tokens were tried in the last minute; sign-in is paused. Try again in \(wait) s.",
                                              status: .tooManyRequests)
                    response.headers[.retryAfter] = "\(wait)"
                    return response
                }
                guard RandomToken.equal(form["token"] ?? "", token) else {
                    throttle.failed()
                    context.logger.notice("refused a dashboard sign-in with a wrong token", metadata: ["refusal": "wrong_token"])
                    return signInPage(next: next, error: "That is not the admin token. Copy it from admin.token in the server's data directory (or SLIPWAY_TOKEN).",
                                      status: .unauthorized)
                }
            }
            let session = await sessions.create()
            context.logger.info("dashboard sign-in")
            var response = Redirect.to(next)
            response.setCookie(cookies.session(session))
            response.setCookie(cookies.cleared(SessionCookies.signInName, path: "/signin"))
            return response
        }
        action("/signout", on: router) { _, context, session, _ in
            await sessions.remove(session.id)
            context.logger.info("dashboard sign-out")
            var response = Redirect.to("/signin")
            response.setCookie(cookies.cleared(SessionCookies.sessionName, path: "/"))
            return response
        }
    }

    /// The sign-in page with a fresh form token in its field and cookie.
    func signInPage(next: String, error: String?, status: HTTPResponse.Status) -> Response {
        let token = RandomToken.make()
        var response = pages.render("signin", SignInView(signinCSRF: token, next: next, tokenRequired: api.token != nil, error: error),
                                    status: status)
        response.setCookie(cookies.signIn(token))
        return response
    }
}
