import Foundation
import Hummingbird
import SlipwayCore

extension Dashboard {
    struct AppsView {
        var signedIn = true
        var csrf: String
        var notice: String?
        var apps: [AppSummary]
        /// Stored, not computed: templates see stored properties only.
        var hasApps: Bool
    }

    /// The apps page, and the deploy form's post (a new app or a new deploy of one).
    func addAppsRoutes(to router: Router<BasicRequestContext>) {
        page("/", on: router) { request, context, session in
            let summaries = try await appSummaries(request: request, context: context)
            let notice = request.uri.queryParameters.get("destroyed").map { "\($0) was destroyed." }
            return pages.render("apps", AppsView(csrf: session.csrfToken, notice: notice, apps: summaries, hasApps: !summaries.isEmpty))
        }
        action("/deploys", on: router) { request, context, _, form in
            let app = form["app"] ?? ""
            // The API checks the name, the source and the ref; its refusal is shown as it is.
            let ref = (form["ref"] ?? "").trimmingCharacters(in: .whitespaces)
            let body = DeployRequest(source: (form["source"] ?? "").trimmingCharacters(in: .whitespaces), ref: ref.isEmpty ? nil : ref)
            let answer = try await api.send(.post, "/v1/apps/\(Self.pathComponent(app))/deploys", body,
                                            expecting: TraceResponse.self, as: request, context: context)
            return Redirect.to("/deploys/\(answer.traceId)")
        }
    }

    /// Every app as its row shows it, by name: one API call (`GET /v1/apps` carries each app's last deploy).
    func appSummaries(request: Request, context: BasicRequestContext) async throws -> [AppSummary] {
        let apps = try await api.get(AppList.self, "/v1/apps", as: request, context: context).apps
        let now = Date()
        return apps.sorted { $0.name < $1.name }.map { AppSummary($0, latest: $0.lastDeploy, now: now) }
    }

    /// A value from a form or URL put into an API path as one segment, whatever it holds.
    static func pathComponent(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}
