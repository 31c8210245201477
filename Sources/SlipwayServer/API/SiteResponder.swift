import Hummingbird
import SlipwayDashboard
import SlipwayStore

/// What the API listener answers: the dashboard's paths (`/`, `/apps/...`, `/deploys/...`, its
/// sign-in and assets) go to the dashboard, every other path to the API, each behind its own
/// guards. The dashboard calls the API through `api` in process.
struct SiteResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let api: RouterResponder<BasicRequestContext>
    let dashboard: RouterResponder<BasicRequestContext>

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        if Dashboard<RouterResponder<BasicRequestContext>>.serves(path: request.uri.path) {
            return try await dashboard.respond(to: request, context: context)
        }
        return try await api.respond(to: request, context: context)
    }
}

extension SlipwayServer {
    /// The API and the dashboard. The dashboard's requests pass the API's Host and Origin checks;
    /// instead of the bearer token they need its session (and a CSRF token on every form).
    static func siteResponder(_ parts: APIParts) throws -> SiteResponder {
        let api = apiRouter(parts).buildResponder()
        let dashboard = try Dashboard(api: api, token: parts.token,
                                      configuration: .init(secureCookies: parts.configuration.tls != nil,
                                                           sessionLifetime: parts.configuration.dashboardSessionLifetime,
                                                           liveStreamsPerSession: parts.configuration.limits.liveViewsPerSession,
                                                           liveStreams: parts.configuration.limits.liveViews,
                                                           sessionArchive: StoreSessionArchive(store: parts.store),
                                                           appsChanged: { [changes = StoreChanges(of: ["app", "deploy"], in: parts.store)] in
                                                               changes.signals()
                                                           }))
        let router = Hummingbird.Router(context: BasicRequestContext.self)
        // The guards' refusals (foreign Host, another Origin) are answered in the API's JSON format.
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestGuardMiddleware(hosts: parts.guards, token: nil))
        dashboard.addRoutes(to: router)
        return SiteResponder(api: api, dashboard: router.buildResponder())
    }
}
