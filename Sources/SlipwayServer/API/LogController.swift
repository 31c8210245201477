import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `GET /v1/apps/{app}/logs`: the app's stored output (all replicas, time order, `web.1`-style
/// process names) as JSON, or with `follow=true` as Server-Sent Events that go on across
/// redeploys and restarts (new replicas join the stream).
struct LogController: Sendable {
    let store: SlipwayStore
    let hub: AppLogHub
    /// Open streams per app (`--max-followers-per-app`).
    var followers: FollowerLimit?

    struct Query {
        var since: Date?
        var process: String?
        var tail: Int?
        var follow: Bool

        init(_ request: Request) throws {
            let query = request.uri.queryParameters
            since = try query.get("since").map { try SinceTime.parse($0) }
            process = query.get("process").flatMap { $0.isEmpty ? nil : $0 }
            tail = try query.get("tail").map { text -> Int in
                guard let count = Int(text), count >= 0 else { throw SlipwayError.invalidRequest("tail must be a whole number, got \"\(text)\"") }
                return count
            }
            follow = try QueryFlag.value(query.get("follow"), name: "follow")
        }

        func matches(_ line: AppLogLine) -> Bool {
            if let since, line.time < since { return false }
            if let process, line.processType != process, line.process != process { return false }
            return true
        }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/logs") { request, context in
            let app = try existingApp(context.parameters.require("app"))
            let query = try Query(request)
            // Without --since or --tail, a follow starts with the last 100 lines, as `heroku logs -t`.
            let tail = query.tail ?? (query.since == nil ? 100 : nil)
            if !query.follow {
                return try JSONResponse.make(AppLogList(lines: await hub.lines.read(app: app, since: query.since, process: query.process, tail: tail)))
            }
            let hub = self.hub
            try followers?.enter(app)
            let followers = self.followers
            return Response(status: .ok, headers: ServerSentEvents.headers, body: ServerSentEvents.stream(onEnd: { followers?.leave(app) }) { output in
                for try await line in await Self.follow(hub: hub, app: app, query: query, tail: tail) {
                    output.yield(try ServerSentEvents.event(line))
                }
            })
        }
    }

    /// Stored lines, then live ones. Subscribed before reading the stored ones, so nothing printed in
    /// between is lost; a live line already among the stored ones is skipped.
    static func follow(hub: AppLogHub, app: String, query: Query, tail: Int?) async -> AsyncThrowingStream<AppLogLine, any Error> {
        let live = await hub.follow(app: app)
        let stored = await hub.lines.read(app: app, since: query.since, process: query.process, tail: tail)
        let newest = stored.last?.time
        let atNewest = stored.reversed().prefix { $0.time == newest }
        return AsyncThrowingStream { continuation in
            let task = Task {
                for line in stored { continuation.yield(line) }
                for await line in live where query.matches(line) {
                    if let newest, line.time < newest || (line.time == newest && atNewest.contains(line)) { continue }
                    continuation.yield(line)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func existingApp(_ raw: String) throws -> String {
        let app = try DNSLabel(raw)
        guard try store.app(app) != nil else {
            throw SlipwayError.notFound("no app named \(app); `slipway apps` lists them")
        }
        return app.value
    }
}
