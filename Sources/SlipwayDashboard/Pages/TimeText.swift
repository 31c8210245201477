import Foundation
import SlipwayCore

/// Times as the pages show them: "5 min ago" for people, RFC 3339 in `datetime` for machines.
enum TimeText {
    static func ago(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "\(seconds) s ago"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86_400: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86_400) d ago"
        }
    }

    static func machine(_ date: Date) -> String { Timestamp.string(date) }

    static func day(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
    }

    static func clock(_ date: Date?) -> String {
        guard let date else { return "" }
        return date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).time(includingFractionalSeconds: false)) + " UTC"
    }

    static func duration(_ stage: StageView, now: Date = Date()) -> String {
        guard let started = stage.startedAt else { return "" }
        return String(format: "%.1f s", (stage.finishedAt ?? now).timeIntervalSince(started))
    }
}
