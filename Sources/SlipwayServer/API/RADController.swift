import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// RAD-compatible endpoints, so RAD's clients and scripts work unchanged:
/// `POST /trigger {"gitrepo": URL}` and `GET /status?traceId=ID` (or `?TRACE_ID=ID`).
struct RADController: Sendable {
    let store: SlipwayStore
    let deploys: DeployController

    struct TriggerRequest: Decodable {
        var gitrepo: String
        var ref: String?
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/trigger") { request, _ in
            let body = try await JSONResponse.decode(TriggerRequest.self, from: request)
            let source = try GitSourceRequest(body.gitrepo, configuration: deploys.configuration)
            if let ref = body.ref { try GitRef.validate(ref) }
            guard let app = source.location.suggestedAppName else {
                throw SlipwayError.invalidSource("cannot derive an app name from \(body.gitrepo); use POST /v1/apps/{app}/deploys")
            }
            try deploys.queueLimit?.check(app)
            let traceId = UUID().uuidString.lowercased()
            try store.enqueueDeploy(traceId: traceId, app: app, appExplicit: false,
                                    source: SourceInfo(kind: .git, url: source.shownURL, ref: body.ref), uploadPath: nil)
            try source.storeCredentials(traceId, in: store)
            deploys.workers.wake()
            if JSONResponse.wantsJSON(request) {
                return try JSONResponse.make(TraceResponse(traceId: traceId), status: .accepted)
            }
            return JSONResponse.text(traceId + "\n", status: .accepted)
        }
        router.get("/status") { request, _ in
            guard let traceId = request.uri.queryParameters.get("traceId") ?? request.uri.queryParameters.get("TRACE_ID") else {
                throw SlipwayError.invalidRequest("give the trace id: GET /status?traceId=ID")
            }
            let view = try deploys.deployView(traceId)
            if JSONResponse.wantsJSON(request) { return try JSONResponse.make(view) }
            return JSONResponse.text(Self.statusText(view))
        }
    }

    /// RAD's text form: one `[STATUS]: stage` line per stage, with times, then the total.
    static func statusText(_ view: DeployView) -> String {
        var lines = ["trace id: \(view.traceId)", "app: \(view.apps.joined(separator: ", "))", "status: \(view.status.rawValue)"]
        for stage in view.stages {
            let description = StageName(rawValue: stage.name)?.radDescription ?? stage.name
            var line = "[\(stage.status.rawValue)]: \(description)"
            if let started = stage.startedAt { line += " started \(Timestamp.string(started))" }
            if let finished = stage.finishedAt { line += " finished \(Timestamp.string(finished))" }
            if stage.status == .error, let message = stage.message { line += " error: \(message)" }
            lines.append(line)
        }
        if let total = view.totalSeconds { lines.append("total time: \(String(format: "%.3f", total))s") }
        return lines.joined(separator: "\n") + "\n"
    }
}
