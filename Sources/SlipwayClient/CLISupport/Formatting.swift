import Foundation
import SlipwayCore

/// How the CLI writes values for people. Pure, so the look of the output is tested.
public enum Format {
    /// `0.4s`, `12.3s`, `1m05s`, `2h03m`: one decimal while seconds matter, then coarser.
    public static func duration(_ seconds: Double) -> String {
        let value = max(0, seconds)
        // Rounded, not truncated: a stage of 3.2 s measured as 3.1999 s reads 3.2s.
        let tenths = (value * 10).rounded() / 10
        if tenths < 60 { return String(format: "%.1fs", tenths) }
        let whole = Int(value.rounded())
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }

    /// `14:03:21` in `timeZone`: stage start times within one deploy.
    public static func clock(_ date: Date, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// `2026-01-31 14:03` in `timeZone`: when apps and releases were made.
    public static func dateTime(_ date: Date, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0)
    }

    /// `web 2/2 ready, worker 0/1 ready`, or `-` with no services.
    public static func services(_ services: [ServiceView]) -> String {
        services.isEmpty ? "-" : services.map { "\($0.name) \($0.readyReplicas)/\($0.replicas) ready" }.joined(separator: ", ")
    }

    /// `https://github.com/x/y@main (1a2b3c4)`, `push http://host:7070/git/shop.git@main (1a2b3c4)`, `upload`.
    public static func source(_ source: SourceInfo) -> String {
        var text: String
        switch source.kind {
        case .upload: text = "upload"
        case .git: text = source.url ?? "git"
        case .push: text = "push " + (source.url ?? "")
        }
        if let ref = source.ref, !ref.isEmpty { text += "@\(ref)" }
        if let commit = source.commit, !commit.isEmpty { text += " (\(commit.prefix(7)))" }
        return text
    }

    public static func release(_ version: Int?) -> String {
        version.map { "v\($0)" } ?? "-"
    }

    /// How long a stage took (or has taken so far, until `now`), if it started.
    public static func stageSeconds(_ stage: StageView, now: Date) -> Double? {
        guard let started = stage.startedAt else { return nil }
        return (stage.finishedAt ?? now).timeIntervalSince(started)
    }
}

/// Columns padded to their widest cell, two spaces apart, no trailing spaces.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    public func render() -> String {
        let all = [header] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                let isLast = index == row.count - 1
                line += isLast ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

extension Format {
    /// `512 B`, `1.2 KB`, `34.5 MB`: upload sizes.
    public static func bytes(_ count: Int64) -> String {
        if count < 1000 { return "\(count) B" }
        let units = ["KB", "MB", "GB", "TB"]
        var value = Double(count) / 1000
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: "%.1f", value) + " " + units[unit]
    }
}
