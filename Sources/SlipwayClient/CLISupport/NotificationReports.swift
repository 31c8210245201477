import Foundation
import SlipwayCore

extension Reports {
    /// `slipway notify`: one line per target.
    public static func notificationTargets(_ list: NotificationList) -> String {
        guard !list.targets.isEmpty else { return "no notification targets: `slipway notify add [APP] URL`" }
        var table = TextTable(header: ["ID", "APP", "FORMAT", "EVENTS", "URL"])
        for target in list.targets {
            table.rows.append([target.id, target.app ?? "(all apps)", target.format.rawValue,
                               target.events.map(\.rawValue).joined(separator: ","), target.url])
        }
        return table.render()
    }

    /// `slipway notify add`: the target and its secret, which is not shown again.
    public static func notificationTargetAdded(_ created: NotificationCreated) -> String {
        let target = created.target
        return """
            added \(target.id): \(target.events.map(\.rawValue).joined(separator: ", ")) of \(target.app ?? "every app") posted to \(target.url) as \(target.format.rawValue)
            signing secret (shown only now): \(created.secret)
            each request carries X-Slipway-Signature: sha256=HEX, the HMAC-SHA256 of its body under this secret
            """
    }

    /// `slipway notify log`: one line per delivery, newest first.
    public static func notificationLog(_ log: NotificationLog, timeZone: TimeZone = .current) -> String {
        guard !log.deliveries.isEmpty else { return "no notifications sent yet" }
        var table = TextTable(header: ["ID", "TIME", "APP", "EVENT", "TARGET", "STATE", "ATTEMPTS", "LAST ANSWER", "NEXT TRY"])
        for delivery in log.deliveries {
            let answer = delivery.lastStatus.map(String.init) ?? (delivery.lastError.map { String($0.prefix(60)) } ?? "-")
            let next = delivery.state == .pending ? (delivery.nextAttempt.map { Format.dateTime($0, timeZone: timeZone) } ?? "now") : "-"
            table.rows.append([String(delivery.id), Format.dateTime(delivery.createdAt, timeZone: timeZone),
                               delivery.app.isEmpty ? "(server)" : delivery.app, delivery.event.rawValue,
                               delivery.target, delivery.state.rawValue, String(delivery.attempts), answer, next])
        }
        return table.render()
    }
}
