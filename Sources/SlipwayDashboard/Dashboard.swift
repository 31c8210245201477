import Foundation
import Hummingbird
import Logging
import SlipwayCore

/// The web dashboard `slipway server` serves at `/` on the API listener (the API stays under `/v1`).
/// Pages are rendered on the server from mustache templates; a little plain JavaScript follows
/// deploys live. Signing in takes the admin token and gives a server-side session; every action
/// is a call to the API's own responder (`InProcessAPI`), so it passes the API's checks and code.
public struct Dashboard<API: HTTPResponder>: Sendable where API.Context == BasicRequestContext {
    public struct Configuration: Sendable {
        /// Cookies get `Secure` when the listener speaks HTTPS.
        public var secureCookies: Bool
        /// How long a sign-in lasts.
        public var sessionLifetime: Duration
        /// Wrong tokens a minute before sign-in pauses (`SignInThrottle`).
        public var signInFailuresPerMinute: Int
        /// Live views (the pages' event streams) one sign-in may hold open at once; more are refused with 429.
        public var liveStreamsPerSession: Int
        /// Live views the server holds open at once over every sign-in; more are refused with 503.
        public var liveStreams: Int
        /// Where sessions are kept across restarts (hashed); nil: in memory only.
        public var sessionArchive: (any DashboardSessionArchive)?
        /// Signals that apps may have been added, removed or changed (one stream per caller): the
        /// apps page's live view reads the list again at once instead of at its next 10 s round.
        public var appsChanged: (@Sendable () -> AsyncStream<Void>)?

        public init(secureCookies: Bool, sessionLifetime: Duration = .seconds(12 * 3600), signInFailuresPerMinute: Int = 10,
                    liveStreamsPerSession: Int = 8, liveStreams: Int = 64, sessionArchive: (any DashboardSessionArchive)? = nil,
                    appsChanged: (@Sendable () -> AsyncStream<Void>)? = nil) {
            self.secureCookies = secureCookies
            self.sessionLifetime = sessionLifetime
            self.signInFailuresPerMinute = signInFailuresPerMinute
            self.liveStreamsPerSession = liveStreamsPerSession
            self.liveStreams = liveStreams
            self.sessionArchive = sessionArchive
            self.appsChanged = appsChanged
        }
    }

    let api: InProcessAPI<API>
    let sessions: SessionStore
    let pages: PageRenderer
    let cookies: SessionCookies
    let throttle: SignInThrottle
    let streams: LiveStreamLimit
    let appsChanged: (@Sendable () -> AsyncStream<Void>)?

    /// `api` answers the API's routes (with its guards); `token` is the admin token it takes, nil
    /// with `--insecure-no-auth`. Throws when a template does not parse (a build mistake).
    public init(api: API, token: String?, configuration: Configuration) throws {
        self.api = InProcessAPI(responder: api, token: token)
        self.sessions = SessionStore(lifetime: configuration.sessionLifetime, archive: configuration.sessionArchive)
        self.pages = try PageRenderer()
        self.cookies = SessionCookies(secure: configuration.secureCookies, lifetime: configuration.sessionLifetime)
        self.throttle = SignInThrottle(failuresPerMinute: configuration.signInFailuresPerMinute)
        self.streams = LiveStreamLimit(perSession: configuration.liveStreamsPerSession, overall: configuration.liveStreams)
        self.appsChanged = configuration.appsChanged
    }

    /// Whether a path is the dashboard's (everything else is the API's).
    public static func serves(path: String) -> Bool {
        if ["/", "/signin", "/signout", "/deploys", "/favicon.ico", "/live"].contains(path) { return true }
        return ["/apps/", "/deploys/", "/assets/"].contains { path.hasPrefix($0) }
    }

    /// Adds the dashboard's middleware and routes to `router`, which should be its own, behind the
    /// server's Host and Origin checks: the dashboard answers every request on it.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorPageMiddleware(pages: pages))
        Assets.addRoutes(to: router)
        addSignInRoutes(to: router)
        addAppsRoutes(to: router)
        addAppRoutes(to: router)
        addDeployRoutes(to: router)
        addLogRoutes(to: router)
        addMetricsRoutes(to: router)
        addLiveRoutes(to: router)
    }

    /// The signed-in session of a request, if its cookie names a live one.
    func session(of request: Request) async -> Session? {
        guard let id = request.cookies[SessionCookies.sessionName]?.value else { return nil }
        return await sessions.session(id)
    }

    /// A page for signed-in users; others are sent to sign in and come back after.
    func page(_ path: RouterPath, on router: Router<BasicRequestContext>,
              _ handler: @escaping @Sendable (Request, BasicRequestContext, Session) async throws -> Response) {
        router.get(path) { request, context in
            guard let session = await session(of: request) else {
                return Redirect.to("/signin?next=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/"))
            }
            return try await handler(request, context, session)
        }
    }

    /// A form post of a signed-in user, with the session's CSRF token; anything else is refused
    /// before the handler runs, and changes nothing.
    func action(_ path: RouterPath, on router: Router<BasicRequestContext>,
                _ handler: @escaping @Sendable (Request, BasicRequestContext, Session, FormFields) async throws -> Response) {
        router.post(path) { request, context in
            guard let session = await session(of: request) else {
                throw DashboardError(status: .unauthorized, heading: "Signed out",
                                     message: "Your session has ended or you are not signed in; sign in again and repeat the action.",
                                     back: "/signin", backLabel: "Sign in")
            }
            var request = request
            let form = try await FormFields.read(&request)
            guard RandomToken.equal(form["csrf"] ?? "", session.csrfToken) else {
                context.logger.notice("refused a dashboard form without the session's CSRF token", metadata: [
                    "request.path": "\(request.uri.path.prefix(200))", "refusal": "csrf"])
                throw DashboardError(status: .forbidden, heading: "Form refused",
                                     message: "The form's CSRF token is missing or wrong (was it sent from another page?). Nothing was changed; reload the page and try again.")
            }
            return try await handler(request, context, session, form)
        }
    }
}

/// 303 See Other: where a form post sends the browser after it did its work.
enum Redirect {
    static func to(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A `next=` target only when it is a path on this site (never `//host` or a URL).
    static func localPath(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\"),
              candidate.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else { return "/" }
        return candidate
    }
}
