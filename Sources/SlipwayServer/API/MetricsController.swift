import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `GET /v1/apps/{app}/metrics?range=hour|day`: the app's metrics history kept by the server
/// (`MetricsHistory`): requests per second by status class, latency percentiles and error rate
/// from the router, CPU and memory per service from the engine, and each replica's latest reading.
struct MetricsController: Sendable {
    let store: SlipwayStore
    let history: MetricsHistory

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/metrics") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            guard try store.app(app) != nil else {
                throw SlipwayError.notFound("no app named \(app); `slipway apps` lists them")
            }
            let text = request.uri.queryParameters.get("range") ?? "hour"
            guard let range = AppMetricsHistory.Range(rawValue: text) else {
                throw SlipwayError.invalidRequest("range must be hour (10 s points) or day (1 min points), got \"\(text.prefix(40))\"")
            }
            // An app made since the last interval has no history yet: an empty one.
            let view = await history.view(app: app.value, range: range) ?? AppMetricsHistory().view(app: app.value, range: range)
            return try JSONResponse.make(view)
        }
    }
}
