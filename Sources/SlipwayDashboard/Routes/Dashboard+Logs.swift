import Foundation
import Hummingbird
import SlipwayCore

extension Dashboard {
    struct LogsPage {
        var signedIn = true
        var csrf: String
        var name: String
        var processTypes: [String]
    }

    /// How far back the logs page reads stored lines (`since` of the API); "" is the last 100 lines.
    static var logRanges: [String] { ["", "15m", "1h", "6h", "1d", "7d"] }

    /// The logs page, the Server-Sent Events its script follows (the API's own follow stream, so
    /// the follower limit and masking are the API's) and the download of stored lines as text.
    func addLogRoutes(to router: Router<BasicRequestContext>) {
        page("/apps/:app/logs", on: router) { request, context, session in
            let name = try context.parameters.require("app")
            let app = try await api.get(AppView.self, "/v1/apps/\(Self.pathComponent(name))", as: request, context: context)
            return pages.render("logs", LogsPage(csrf: session.csrfToken, name: app.name, processTypes: app.services.map(\.name)))
        }
        router.get("/apps/:app/logs/stream") { request, context in
            try await liveStream(request, to: "follow logs") {
                let response = try await api.respond(.get, try logsPath(request, context, follow: true), json: nil, as: request, context: context)
                if response.status != .ok {
                    let (status, body) = try await api.collect(response)
                    try InProcessAPI<API>.check(status, body)
                }
                return response
            }
        }
        router.get("/apps/:app/logs/download") { request, context in
            try await requireSession(request, to: "download logs")
            let name = try context.parameters.require("app")
            let lines = try await api.get(AppLogList.self, try logsPath(request, context, follow: false), as: request, context: context).lines
            let text = lines.map { "\(Timestamp.string($0.time)) \($0.process) \($0.text)\n" }.joined()
            let file = name.filter { $0.isLetter || $0.isNumber || $0 == "-" }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .contentDisposition: "attachment; filename=\"\(file)-logs.txt\""],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// The API's log path for the page's query: `since` one of `logRanges`, `process` as given
    /// (the API checks it), the last 100 lines when no range is chosen.
    private func logsPath(_ request: Request, _ context: BasicRequestContext, follow: Bool) throws -> String {
        let query = request.uri.queryParameters
        let since = query.get("since") ?? ""
        guard Self.logRanges.contains(since) else {
            throw DashboardError(status: .badRequest, heading: "Not accepted", message: "Choose a time range from the list (15m, 1h, 6h, 1d or 7d).")
        }
        var path = "/v1/apps/\(Self.pathComponent(try context.parameters.require("app")))/logs?"
        path += since.isEmpty ? "tail=\(follow ? 100 : 10_000)" : "since=\(since)&tail=10000"
        if let process = query.get("process"), !process.isEmpty { path += "&process=\(Self.pathComponent(process))" }
        if follow { path += "&follow=true" }
        return path
    }

    /// Streams and downloads are not pages: without a session they answer 401 instead of a redirect.
    func requireSession(_ request: Request, to purpose: String) async throws {
        guard await session(of: request) != nil else {
            throw DashboardError(status: .unauthorized, heading: "Signed out", message: "Sign in to \(purpose).", back: "/signin", backLabel: "Sign in")
        }
    }
}
