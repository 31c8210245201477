import Foundation
import Hummingbird
import HummingbirdWebSocket
import SlipwayCore
import SlipwayStore

/// `/v1/apps/{app}/logs/ws`: the same stream as `GET /v1/apps/{app}/logs?follow=true`, as a
/// WebSocket for browsers (one text message per line, the line's JSON). Same query parameters.
struct LogWebSocket: Sendable {
    let store: SlipwayStore
    let hub: AppLogHub
    /// Open streams per app (`--max-followers-per-app`): a full app is not upgraded, and the HTTP
    /// route of the same path answers 429.
    var followers: FollowerLimit?

    func addRoutes(to router: Router<WebSocketUpgradeContext>) {
        router.ws("/v1/apps/:app/logs/ws") { request, context in
            // A bad app or query is not upgraded: the error is the answer (see `RefusedUpgrades`).
            _ = try LogController(store: store, hub: hub).existingApp(context.parameters.require("app"))
            _ = try LogController.Query(request)
            if let app = context.parameters.get("app") { try followers?.refuseIfFull(app) }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let app = try context.requestContext.parameters.require("app")
            // Another stream may have taken the last place since the upgrade was decided: then this one closes.
            try followers?.enter(app)
            defer { followers?.leave(app) }
            let query = try LogController.Query(context.request)
            let tail = query.tail ?? (query.since == nil ? 100 : nil)
            let lines = await LogController.follow(hub: hub, app: app, query: query, tail: tail)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The client's side ends when it closes: stop sending then, not at the next line.
                group.addTask { for try await _ in inbound {} }
                group.addTask {
                    let encoder = Timestamp.encoder()
                    for try await line in lines {
                        try await outbound.write(.text(String(decoding: try encoder.encode(line), as: UTF8.self)))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// The same path on the HTTP router: answers what was not upgraded with the reason.
    func addFallbackRoute(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/logs/ws") { request, context -> Response in
            _ = try LogController(store: store, hub: hub).existingApp(context.parameters.require("app"))
            _ = try LogController.Query(request)
            if let app = context.parameters.get("app") { try followers?.refuseIfFull(app) }
            throw SlipwayError.invalidRequest("this endpoint is a WebSocket: connect with a WebSocket client (Upgrade: websocket), or use GET /v1/apps/{app}/logs?follow=true for Server-Sent Events")
        }
    }
}
