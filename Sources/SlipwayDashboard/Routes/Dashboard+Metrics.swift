import Foundation
import Hummingbird
import SlipwayCore

extension Dashboard {
    struct MetricsPage {
        var signedIn = true
        var csrf: String
        var name: String
    }

    /// The metrics page (charts drawn by metrics.js) and the JSON it reads, the API's
    /// `/v1/apps/APP/metrics` as it is.
    func addMetricsRoutes(to router: Router<BasicRequestContext>) {
        page("/apps/:app/metrics", on: router) { request, context, session in
            let name = try context.parameters.require("app")
            let app = try await api.get(AppView.self, "/v1/apps/\(Self.pathComponent(name))", as: request, context: context)
            return pages.render("metrics", MetricsPage(csrf: session.csrfToken, name: app.name))
        }
        router.get("/apps/:app/metrics/data") { request, context in
            try await requireSession(request, to: "read metrics")
            let range = request.uri.queryParameters.get("range") == "day" ? "day" : "hour"
            let path = "/v1/apps/\(Self.pathComponent(try context.parameters.require("app")))/metrics?range=\(range)"
            let (status, body) = try await api.collect(try await api.respond(.get, path, json: nil, as: request, context: context))
            try InProcessAPI<API>.check(status, body)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
