import Crypto
import Foundation
import SlipwayCore

/// The body of one notification and its signature.
///
/// JSON format: `{"event", "app", "message", "time", "release", "replica", "traceId", "url"}`;
/// a server-wide event (the server's own `*.DOMAIN` certificate) has no `app`.
/// Slack format: `{"text": "..."}` plus `username`, which Slack's incoming webhooks, Mattermost
/// and Discord's `/slack` endpoints all take.
/// Either way the request carries `X-Slipway-Event`, `X-Slipway-Delivery` and
/// `X-Slipway-Signature: sha256=HEX`, the HMAC-SHA256 of the exact body under the target's secret.
enum NotificationMessage {
    struct JSONBody: Codable, Equatable {
        var event: String
        /// nil for a server-wide event.
        var app: String?
        var message: String
        var time: Date
        var release: Int?
        var replica: String?
        var traceId: String?
        /// Where the app answers (for deploy events).
        var url: String?
    }

    struct SlackBody: Codable, Equatable {
        var text: String
        var username = "Slipway"
    }

    static func body(for event: AppEvent, as kind: NotificationEvent, format: NotificationFormat, appURL: String?) throws -> Data {
        let encoder = Timestamp.encoder()
        switch format {
        case .json:
            return try encoder.encode(JSONBody(event: kind.rawValue, app: event.app.isEmpty ? nil : event.app, message: event.message, time: event.time,
                                               release: event.release, replica: event.replica, traceId: event.traceId, url: appURL))
        case .slack:
            return try encoder.encode(SlackBody(text: slackText(event, kind: kind, appURL: appURL)))
        }
    }

    static func slackText(_ event: AppEvent, kind: NotificationEvent, appURL: String?) -> String {
        // Slack's mrkdwn: only &, < and > need escaping.
        let escape = { (text: String) in text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") }
        let headline: String = switch kind {
        case .deployCompleted: ":white_check_mark: *\(escape(event.app))* deployed" + (event.release.map { " (v\($0))" } ?? "")
        case .deployFailed: ":x: *\(escape(event.app))* deploy failed"
        case .replicaCrashloop: ":rotating_light: *\(escape(event.app))* \(escape(event.replica ?? "a replica")) keeps crashing"
        case .certFailed: event.app.isEmpty ? ":warning: the server's certificate not obtained"
            : ":warning: *\(escape(event.app))* certificate not obtained"
        case .backupFailed: ":x: *\(escape(event.app))* backup failed"
        case .cronFailed: ":alarm_clock: *\(escape(event.app))* scheduled job failed"
        }
        return headline + "\n" + escape(event.message) + (appURL.map { "\n\(escape($0))" } ?? "")
    }

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
    static func signature(_ body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A new signing secret: 32 random bytes, hex.
    static func newSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
    }
}

/// Which notification an app event is, if any. A crash becomes `replica.crashloop` the third
/// time the same replica crashes within ten minutes, and then not again for that replica for
/// ten minutes: one message per loop, not one per restart.
struct NotificationEventMapper: Sendable {
    var crashesForLoop = 3
    var window: TimeInterval = 600
    private var crashes: [String: [Date]] = [:]
    private var announced: [String: Date] = [:]

    init(crashesForLoop: Int = 3, window: TimeInterval = 600) {
        self.crashesForLoop = crashesForLoop
        self.window = window
    }

    mutating func notification(for event: AppEvent) -> NotificationEvent? {
        switch event.kind {
        case .deployCompleted: return .deployCompleted
        case .deployFailed: return .deployFailed
        case .certificateFailed: return .certFailed
        case .backupFailed: return .backupFailed
        case .cronFailed: return .cronFailed
        case .replicaCrashed, .replicaOOMKilled:
            let slot = "\(event.app)/\(event.replica ?? "?")"
            var times = (crashes[slot] ?? []).filter { event.time.timeIntervalSince($0) < window }
            times.append(event.time)
            crashes[slot] = times
            guard times.count >= crashesForLoop else { return nil }
            if let last = announced[slot], event.time.timeIntervalSince(last) < window { return nil }
            announced[slot] = event.time
            return .replicaCrashloop
        default:
            return nil
        }
    }
}
