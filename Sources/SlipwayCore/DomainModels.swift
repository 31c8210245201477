import Foundation

/// A custom host routed to an app: `GET /v1/apps/{app}/domains` lists them.
public struct DomainView: Codable, Sendable, Equatable {
    public var host: String
    public var app: String
    /// The service the host goes to; nil: the app's default service (the one `APP.DOMAIN` reaches).
    public var service: String?
    /// Where a browser reaches it (`http://*.shop.example.com/` for a wildcard).
    public var url: String
    public var createdAt: Date

    public init(host: String, app: String, service: String?, url: String, createdAt: Date) {
        (self.host, self.app, self.service, self.url, self.createdAt) = (host, app, service, url, createdAt)
    }
}

public struct DomainList: Codable, Sendable {
    public var app: String
    public var domains: [DomainView]
    public init(app: String, domains: [DomainView]) {
        self.app = app
        self.domains = domains
    }
}

/// `POST /v1/apps/{app}/domains`.
public struct DomainRequest: Codable, Sendable {
    public var host: String
    public var service: String?
    public init(host: String, service: String? = nil) {
        self.host = host
        self.service = service
    }
}

/// An app's maintenance mode: while on, the router answers every request for the app with 503,
/// a small page showing `message`, and `Retry-After`; the replicas keep running.
public struct MaintenanceView: Codable, Sendable, Equatable {
    public var app: String
    public var enabled: Bool
    public var message: String?
    public var since: Date?
    /// The page's `Retry-After`, while enabled.
    public var retryAfterSeconds: Int?
    public init(app: String, enabled: Bool, message: String?, since: Date?, retryAfterSeconds: Int? = nil) {
        (self.app, self.enabled, self.message, self.since, self.retryAfterSeconds) = (app, enabled, message, since, retryAfterSeconds)
    }
}

/// `PUT /v1/apps/{app}/maintenance`: turns maintenance mode on (again, with a new message).
public struct MaintenanceRequest: Codable, Sendable {
    public var message: String?
    /// Seconds the page's `Retry-After` asks clients (and crawlers) to wait; nil: `defaultRetryAfterSeconds`.
    public var retryAfterSeconds: Int?
    public init(message: String? = nil, retryAfterSeconds: Int? = nil) {
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Longest message shown on the page; it is a notice, not a document.
    public static let maxMessageLength = 1000
    /// `Retry-After` when none is given: two minutes.
    public static let defaultRetryAfterSeconds = 120
    /// Longest `Retry-After`: a day. Longer maintenance is better told on the page; crawlers
    /// treat long 503s as the site being gone anyway.
    public static let retryAfterRange = 1...86_400

    /// Refuses a `Retry-After` outside `retryAfterRange`.
    public static func validate(retryAfterSeconds: Int?) throws {
        guard let retryAfterSeconds, !retryAfterRange.contains(retryAfterSeconds) else { return }
        throw SlipwayError.invalidRequest("retry-after is \(retryAfterSeconds) seconds; give 1 to \(retryAfterRange.upperBound) (a day)")
    }

    /// Refuses a message that is too long or carries control characters (besides newlines).
    public static func validate(message: String?) throws {
        guard let message else { return }
        if message.count > maxMessageLength {
            throw SlipwayError.invalidRequest("the maintenance message is \(message.count) characters; keep it to \(maxMessageLength)")
        }
        if message.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) {
            throw SlipwayError.invalidRequest("the maintenance message has control characters; use plain text (newlines are fine)")
        }
    }
}
