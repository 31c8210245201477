import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `GET /v1/apps/{app}/events`: the app's event log as JSON, or with `follow=true` as
/// Server-Sent Events that keep coming as things happen.
struct EventController: Sendable {
    let store: SlipwayStore
    let events: EventHub
    /// Open streams per app (`--max-followers-per-app`).
    var followers: FollowerLimit?

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/events") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            guard try store.app(app) != nil else {
                throw SlipwayError.notFound("no app named \(app); `slipway apps` lists them")
            }
            let query = request.uri.queryParameters
            let since = try query.get("since").map { try SinceTime.parse($0) }
            let tail = try query.get("tail").map { text -> Int in
                guard let count = Int(text), count >= 0 else { throw SlipwayError.invalidRequest("tail must be a whole number, got \"\(text)\"") }
                return count
            }
            let follow = try QueryFlag.value(query.get("follow"), name: "follow")
            if !follow {
                return try JSONResponse.make(EventList(events: try store.events(app: app, since: since, limit: tail ?? 100)))
            }
            let store = self.store
            let hub = self.events
            try followers?.enter(app.value)
            let followers = self.followers
            return Response(status: .ok, headers: ServerSentEvents.headers, body: ServerSentEvents.stream(onEnd: { followers?.leave(app.value) }) { output in
                // Subscribed before reading the stored ones, so nothing recorded in between is lost;
                // the sequence numbers drop what was both stored and live.
                let live = await hub.follow(app: app.value)
                var last = 0
                for event in try store.events(app: app, since: since, limit: tail ?? 100) {
                    output.yield(try ServerSentEvents.event(event, id: event.seq.map(String.init)))
                    last = event.seq ?? last
                }
                for await event in live where (event.seq ?? 0) > last {
                    output.yield(try ServerSentEvents.event(event, id: event.seq.map(String.init)))
                }
            })
        }
    }
}
