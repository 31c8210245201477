import Foundation

extension CronExpression {
    /// The first matching minute strictly after `date`, read as wall-clock time in `timeZone`, or nil
    /// if none comes within eight years (an expression like `0 0 29 2 1` may take that long).
    ///
    /// Time moves in absolute minutes and hours, so a daylight-saving change behaves as the clock
    /// on the wall does: a time skipped when clocks go forward does not run that day, and a time
    /// repeated when they go back runs at each of its two instants.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let calendar = Self.calendar(timeZone)
        let limit = date.addingTimeInterval(8 * 366 * 86_400)
        var t = Date(timeIntervalSinceReferenceDate: (date.timeIntervalSinceReferenceDate / 60).rounded(.down) * 60 + 60)
        while t < limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            if !months.contains(c.month!) {
                t = calendar.date(from: DateComponents(year: c.year, month: c.month! + 1, day: 1))!
                continue
            }
            if !dayMatches(c) {
                t = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: t))!
                continue
            }
            let hourStart = t.addingTimeInterval(-Double(c.minute!) * 60)
            if !hours.contains(c.hour!) {
                t = hourStart.addingTimeInterval(3600)
                continue
            }
            if !minutes.contains(c.minute!) {
                if let minute = minutes.next(after: c.minute!) {
                    t = hourStart.addingTimeInterval(Double(minute) * 60)
                } else {
                    t = hourStart.addingTimeInterval(3600)
                }
                continue
            }
            return t
        }
        return nil
    }

    /// Whether a run fell due in `(since, now]`: the catch-up rule after a server was down runs
    /// such a job once, however many of its times were missed.
    public func missedRun(since: Date, now: Date, in timeZone: TimeZone) -> Bool {
        guard let due = next(after: since, in: timeZone) else { return false }
        return due <= now
    }
}

/// A cron expression and the time zone its wall-clock times are read in.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: CronExpression
    public let timeZone: TimeZone

    public init(_ expression: String, timeZone identifier: String? = nil) throws(CronError) {
        self.expression = try CronExpression(expression)
        if let identifier {
            guard let zone = TimeZone(identifier: identifier) else {
                throw CronError(expression, "time zone \"\(identifier)\" is unknown (use an IANA name like Europe/Berlin or UTC)")
            }
            timeZone = zone
        } else {
            timeZone = .current
        }
    }

    public func next(after date: Date) -> Date? { expression.next(after: date, in: timeZone) }
    public func missedRun(since: Date, now: Date) -> Bool { expression.missedRun(since: since, now: now, in: timeZone) }
    public var description: String { "\(expression.text) (\(timeZone.identifier))" }
}
