import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `/v1/notifications`: where events are posted (`slipway notify`). A target is checked before
/// anything is stored (the URL, the app, the event names, the format); its signing secret is in
/// the answer to `POST` and never again.
struct NotificationController: Sendable {
    let store: SlipwayStore
    let policy: NotificationURLPolicy

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/notifications") { request, _ in
            let app = try request.uri.queryParameters.get("app").map { try existingApp(String($0)) }
            // Redacted: a webhook URL's path or query is its credential (Slack's token); shown whole only at creation.
            return try JSONResponse.make(NotificationList(targets: try store.notificationTargets(forApp: app?.value).map(\.redacted)))
        }
        router.post("/v1/notifications") { request, _ in
            let body = try await JSONResponse.decode(NotificationAddRequest.self, from: request)
            let target = try checked(body)
            let secret = NotificationMessage.newSecret()
            try store.addNotificationTarget(target, secret: secret)
            return try JSONResponse.make(NotificationCreated(target: target, secret: secret), status: .created)
        }
        router.delete("/v1/notifications/:id") { _, context in
            let id = try context.parameters.require("id")
            guard Self.isTargetID(id), try store.removeNotificationTarget(id: id) else {
                throw SlipwayError.notFound("no notification target \(id.prefix(64)); `slipway notify` lists them")
            }
            return try JSONResponse.make(NotificationRemoved(id: id, removed: true))
        }
        router.get("/v1/notifications/log") { request, _ in
            let app = try request.uri.queryParameters.get("app").map { try existingApp(String($0)) }
            var limit = 100
            if let raw = request.uri.queryParameters.get("limit") {
                guard let value = Int(raw), (1...1000).contains(value) else {
                    throw SlipwayError.invalidRequest("limit must be a number from 1 to 1000 (got \(raw.prefix(20)))")
                }
                limit = value
            }
            return try JSONResponse.make(NotificationLog(deliveries: try store.notificationLog(app: app?.value, limit: limit)))
        }
    }

    func checked(_ body: NotificationAddRequest) throws -> NotificationTarget {
        let app = try body.app.map { try existingApp($0) }
        let url = try policy.check(body.url)
        var events = NotificationEvent.allCases
        if let names = body.events {
            guard !names.isEmpty else { throw SlipwayError.invalidRequest("events is empty: name at least one, or leave it out for all") }
            events = try names.map { name in
                guard let event = NotificationEvent(rawValue: name) else {
                    throw SlipwayError.invalidRequest("unknown event \"\(name.prefix(64))\"; the events are \(NotificationEvent.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return event
            }
            events = NotificationEvent.allCases.filter(events.contains)
        }
        var format = NotificationFormat.json
        if let raw = body.format {
            guard let value = NotificationFormat(rawValue: raw) else {
                throw SlipwayError.invalidRequest("unknown format \"\(raw.prefix(32))\"; use json or slack (slack also serves Mattermost and Discord's /slack endpoints)")
            }
            format = value
        }
        let id = "ntf_" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)).lowercased()
        return NotificationTarget(id: id, app: app?.value, url: url.absoluteString, events: events, format: format, createdAt: Date())
    }

    func existingApp(_ raw: String) throws -> AppName {
        let name = try DNSLabel(raw)
        guard try store.app(name) != nil else {
            throw SlipwayError.notFound("no app named \(name); `slipway apps` lists them, `slipway deploy` creates one")
        }
        return name
    }

    static func isTargetID(_ id: String) -> Bool {
        id.hasPrefix("ntf_") && id.count == 16 && id.dropFirst(4).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
