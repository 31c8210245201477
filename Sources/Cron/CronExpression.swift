import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`) as Vixie cron reads
/// it: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, month and weekday names,
/// and the shorthands `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
/// As in Vixie cron, when both day fields are restricted a day matches if either does.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text as written (shorthands kept).
    public let text: String
    let minutes: FieldSet
    let hours: FieldSet
    let daysOfMonth: FieldSet
    let months: FieldSet
    /// 0 (Sunday) to 6; 7 is folded into 0.
    let daysOfWeek: FieldSet
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { text }

    static let shorthands: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    public init(_ text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        self.text = trimmed
        guard trimmed.count <= 200 else {
            throw CronError(String(trimmed.prefix(40)) + "...", "is longer than 200 characters")
        }
        var body = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.shorthands[trimmed.lowercased()] else {
                let names = Self.shorthands.keys.sorted().joined(separator: ", ")
                throw CronError(trimmed, "\(trimmed) is not a known shorthand (known: \(names))")
            }
            body = expanded
        }
        let parts = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw CronError(trimmed, "has \(parts.count) field\(parts.count == 1 ? "" : "s"), needs 5: minute hour day-of-month month day-of-week (e.g. \"*/15 * * * *\")")
        }
        minutes = try FieldParser(expression: trimmed, field: .minute).parse(parts[0])
        hours = try FieldParser(expression: trimmed, field: .hour).parse(parts[1])
        daysOfMonth = try FieldParser(expression: trimmed, field: .dayOfMonth).parse(parts[2])
        months = try FieldParser(expression: trimmed, field: .month).parse(parts[3])
        var weekdays = try FieldParser(expression: trimmed, field: .dayOfWeek).parse(parts[4])
        if weekdays.contains(7) { weekdays.insert(0); weekdays.remove(7) }
        daysOfWeek = weekdays
        dayOfMonthRestricted = !parts[2].hasPrefix("*")
        dayOfWeekRestricted = !parts[4].hasPrefix("*")
        try checkDayOfMonthCanOccur()
    }

    /// `0 0 30 2 *` would never run: say so now rather than never.
    private func checkDayOfMonthCanOccur() throws(CronError) {
        guard dayOfMonthRestricted, !dayOfWeekRestricted else { return }
        let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let reachable = months.values.contains { month in daysOfMonth.values.contains { $0 <= longest[month] } }
        if !reachable {
            throw CronError(text, field: .dayOfMonth, "never falls in the months chosen (\(months.values.map(String.init).joined(separator: ",")))")
        }
    }

    /// Whether the minute holding `date` (seconds ignored) matches, read as wall-clock time in `timeZone`.
    public func matches(_ date: Date, in timeZone: TimeZone) -> Bool {
        let calendar = Self.calendar(timeZone)
        let c = calendar.dateComponents([.month, .day, .hour, .minute, .weekday], from: date)
        return months.contains(c.month!) && dayMatches(c) && hours.contains(c.hour!) && minutes.contains(c.minute!)
    }

    func dayMatches(_ c: DateComponents) -> Bool {
        let byMonthDay = daysOfMonth.contains(c.day!)
        let byWeekday = daysOfWeek.contains(c.weekday! - 1)
        if dayOfMonthRestricted && dayOfWeekRestricted { return byMonthDay || byWeekday }
        return byMonthDay && byWeekday
    }

    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
