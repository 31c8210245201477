import Foundation
import SlipwayCore

extension APIRequest {
    /// `GET /v1/notifications[?app=APP]`.
    public static func notificationTargets(app: String?) -> APIRequest {
        APIRequest(method: .get, path: "/v1/notifications" + (app.map { "?app=\(segment($0))" } ?? ""))
    }

    /// `POST /v1/notifications`.
    public static func addNotificationTarget(_ request: NotificationAddRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/notifications", body: .json(try Timestamp.encoder().encode(request)))
    }

    /// `DELETE /v1/notifications/{id}`.
    public static func removeNotificationTarget(id: String) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/notifications/\(segment(id))")
    }

    /// `GET /v1/notifications/log[?app=APP][&limit=N]`.
    public static func notificationLog(app: String?, limit: Int?) -> APIRequest {
        var items: [String] = []
        if let app { items.append("app=\(segment(app))") }
        if let limit { items.append("limit=\(limit)") }
        return APIRequest(method: .get, path: "/v1/notifications/log" + (items.isEmpty ? "" : "?" + items.joined(separator: "&")))
    }
}

extension SlipwayClient {
    public func notificationTargets(app: String? = nil) async throws -> NotificationList {
        try await json(.notificationTargets(app: app), as: NotificationList.self)
    }

    /// Adds a target; the answer holds its signing secret, shown this once.
    public func addNotificationTarget(_ request: NotificationAddRequest) async throws -> NotificationCreated {
        try await json(try .addNotificationTarget(request), as: NotificationCreated.self)
    }

    public func removeNotificationTarget(id: String) async throws -> NotificationRemoved {
        try await json(.removeNotificationTarget(id: id), as: NotificationRemoved.self)
    }

    public func notificationLog(app: String? = nil, limit: Int? = nil) async throws -> NotificationLog {
        try await json(.notificationLog(app: app, limit: limit), as: NotificationLog.self)
    }
}
