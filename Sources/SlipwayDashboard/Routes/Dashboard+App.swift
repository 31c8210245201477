import Foundation
import Hummingbird
import SlipwayCore

extension Dashboard {
    /// The app page and its forms: scale, rollback, config set and remove, destroy. Each form is
    /// one API call; a release change goes on to its deploy's page.
    func addAppRoutes(to router: Router<BasicRequestContext>) {
        page("/apps/:app", on: router) { request, context, session in
            let name = try context.parameters.require("app")
            let path = "/v1/apps/\(Self.pathComponent(name))"
            let app = try await api.get(AppView.self, path, as: request, context: context)
            let releases = try await api.get(ReleaseList.self, path + "/releases", as: request, context: context).releases
            // An app without a release has no config to show (the API answers 404).
            let config = app.currentRelease == nil ? nil : try await api.get(ConfigView.self, path + "/config", as: request, context: context)
            let events = try await api.get(EventList.self, path + "/events?tail=50", as: request, context: context).events
            // Certificates are the server's, by host: read only when the app has domains.
            let certificates = (app.domains ?? []).isEmpty ? []
                : try await api.get(CertificateList.self, "/v1/certs", as: request, context: context).certificates
            return pages.render("app", AppDetail(app: app, latest: app.lastDeploy, releases: releases, config: config, events: events,
                                                 certificates: certificates, csrf: session.csrfToken))
        }
        action("/apps/:app/scale", on: router) { request, context, _, form in
            let service = form["service"] ?? ""
            guard let replicas = Int(form["replicas"] ?? "") else {
                throw DashboardError(status: .badRequest, heading: "Not accepted", message: "Give the number of replicas as a whole number; nothing was changed.",
                                     back: try appPage(context), backLabel: "Back to the app")
            }
            return try await releaseChange(.post, "scale", [service: replicas], request, context)
        }
        action("/apps/:app/rollback", on: router) { request, context, _, form in
            guard let version = Int(form["version"] ?? "") else {
                throw DashboardError(status: .badRequest, heading: "Not accepted", message: "Say which release to roll back to; nothing was changed.",
                                     back: try appPage(context), backLabel: "Back to the app")
            }
            return try await releaseChange(.post, "rollback", RollbackRequest(to: version), request, context)
        }
        action("/apps/:app/config", on: router) { request, context, _, form in
            let key = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
            let secret = form["secret"] != nil
            let change = ConfigChangeRequest(set: [key: form["value"] ?? ""], secret: secret ? [key] : nil)
            return try await releaseChange(.patch, "config", change, request, context)
        }
        action("/apps/:app/config/unset", on: router) { request, context, _, form in
            try await releaseChange(.patch, "config", ConfigChangeRequest(unset: [form["key"] ?? ""]), request, context)
        }
        action("/apps/:app/destroy", on: router) { request, context, _, form in
            let name = try context.parameters.require("app")
            guard form["confirm"] == name else {
                throw DashboardError(status: .badRequest, heading: "Not destroyed",
                                     message: "To destroy \(name), type its name exactly in the confirmation box. Nothing was changed.",
                                     back: try appPage(context), backLabel: "Back to the app")
            }
            let answer = try await api.send(.delete, "/v1/apps/\(Self.pathComponent(name))", Optional<RollbackRequest>.none,
                                            expecting: DestroyedApp.self, as: request, context: context)
            return Redirect.to("/?destroyed=\(Self.pathComponent(answer.app))")
        }
    }

    /// One release-changing API call (`/v1/apps/APP/WHAT`), then the page of the deploy it queued.
    private func releaseChange<Body: Encodable>(_ method: HTTPRequest.Method, _ what: String, _ body: Body,
                                                _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let name = try context.parameters.require("app")
        do {
            let answer = try await api.send(method, "/v1/apps/\(Self.pathComponent(name))/\(what)", body,
                                            expecting: TraceResponse.self, as: request, context: context)
            return Redirect.to("/deploys/\(answer.traceId)")
        } catch let failure as APIFailure {
            throw DashboardError(status: HTTPResponse.Status(code: failure.status), heading: ErrorPageMiddleware<BasicRequestContext>.heading(failure.status),
                                 message: failure.message, back: try appPage(context), backLabel: "Back to the app")
        }
    }

    private func appPage(_ context: BasicRequestContext) throws -> String {
        "/apps/" + Self.pathComponent(try context.parameters.require("app"))
    }
}

/// What `DELETE /v1/apps/{app}` answers, as far as the dashboard reads it.
struct DestroyedApp: Decodable { var app: String }
