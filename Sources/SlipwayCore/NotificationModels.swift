import Foundation

// The JSON shapes of the notifications API (`/v1/notifications`), shared by the server, the
// client and the tests.

/// What a notification target is told about.
public enum NotificationEvent: String, Codable, Sendable, CaseIterable {
    case deployCompleted = "deploy.completed"
    case deployFailed = "deploy.failed"
    /// A replica crashed again and again (3 times within 10 minutes): the reconciler keeps
    /// restarting it with backoff, but someone should look.
    case replicaCrashloop = "replica.crashloop"
    /// ACME could not obtain or renew a certificate of one of the app's hosts.
    case certFailed = "cert.failed"
    /// A backup of an add-on could not be made, or failed its verification.
    case backupFailed = "backup.failed"
    /// A scheduled job's run failed or timed out (`slipway cron`).
    case cronFailed = "cron.failed"
}

/// How a delivery's body is shaped: Slipway's own JSON, or Slack's incoming-webhook shape
/// (`{"text": ...}`), which Mattermost and Discord's `/slack` endpoints take as well.
public enum NotificationFormat: String, Codable, Sendable, CaseIterable {
    case json
    case slack
}

/// `POST /v1/notifications`.
public struct NotificationAddRequest: Codable, Sendable {
    /// nil: events of every app.
    public var app: String?
    public var url: String
    /// nil: every event.
    public var events: [String]?
    /// nil: json.
    public var format: String?

    public init(app: String?, url: String, events: [String]?, format: String?) {
        self.app = app
        self.url = url
        self.events = events
        self.format = format
    }
}

/// A place events are posted to. `url` is whole only in the answer to its creation; listings show
/// it `redacted` (webhook URLs carry their credential in the path or query: Slack's token).
public struct NotificationTarget: Codable, Sendable, Equatable {
    public var id: String
    public var app: String?
    public var url: String
    public var events: [NotificationEvent]
    public var format: NotificationFormat
    public var createdAt: Date

    public init(id: String, app: String?, url: String, events: [NotificationEvent], format: NotificationFormat, createdAt: Date) {
        self.id = id
        self.app = app
        self.url = url
        self.events = events
        self.format = format
        self.createdAt = createdAt
    }
}

extension NotificationTarget {
    /// The target with its URL cut to scheme, host and port (`https://hooks.slack.com/…`): what is
    /// listed after its creation.
    public var redacted: NotificationTarget {
        var copy = self
        copy.url = Self.redact(url)
        return copy
    }

    /// `SCHEME://HOST[:PORT]/…`: no user, path, query or fragment (`…` when there was any).
    public static func redact(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return "…" }
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = components.port.map { ":\($0)" } ?? ""
        let rest = (components.percentEncodedPath.isEmpty || components.percentEncodedPath == "/") && components.query == nil
            && components.fragment == nil ? "/" : "/…"
        return "\(scheme)://\(shownHost)\(port)\(rest)"
    }
}

/// The answer to `POST /v1/notifications`: the target and the secret its deliveries are signed
/// with, shown this once (`X-Slipway-Signature: sha256=HEX`, HMAC-SHA256 of the body).
public struct NotificationCreated: Codable, Sendable {
    public var target: NotificationTarget
    public var secret: String

    public init(target: NotificationTarget, secret: String) {
        self.target = target
        self.secret = secret
    }
}

public struct NotificationList: Codable, Sendable {
    public var targets: [NotificationTarget]
    public init(targets: [NotificationTarget]) { self.targets = targets }
}

public struct NotificationRemoved: Codable, Sendable, Equatable {
    public var id: String
    public var removed: Bool
    public init(id: String, removed: Bool) {
        self.id = id
        self.removed = removed
    }
}

/// One event's delivery to one target, as `slipway notify log` shows it.
public struct NotificationDelivery: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Not sent yet, or failed and waiting for its next attempt.
        case pending
        case delivered
        /// Still failing an hour after the event: not tried again.
        case failed
    }

    public var id: Int
    public var target: String
    public var app: String
    public var event: NotificationEvent
    public var state: State
    public var attempts: Int
    /// The receiver's HTTP status at the last attempt; nil when it could not be reached.
    public var lastStatus: Int?
    public var lastError: String?
    public var nextAttempt: Date?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(id: Int, target: String, app: String, event: NotificationEvent, state: State, attempts: Int, lastStatus: Int?,
                lastError: String?, nextAttempt: Date?, createdAt: Date, deliveredAt: Date?) {
        self.id = id
        self.target = target
        self.app = app
        self.event = event
        self.state = state
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.nextAttempt = nextAttempt
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

public struct NotificationLog: Codable, Sendable {
    public var deliveries: [NotificationDelivery]
    public init(deliveries: [NotificationDelivery]) { self.deliveries = deliveries }
}
