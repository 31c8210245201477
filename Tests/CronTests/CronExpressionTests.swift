import Foundation
import Testing
@testable import Cron

private let utc = TimeZone(identifier: "UTC")!

/// `2026-12-07T10:15:00Z` style text to a date.
private func at(_ text: String) -> Date {
    try! Date(text, strategy: .iso8601)
}

private func next(_ expression: String, after: String, zone: TimeZone = utc) throws -> Date? {
    try CronExpression(expression).next(after: at(after), in: zone)
}

@Suite struct CronParsingTests {
    @Test(arguments: [
        ("*/15 * * * *", [0, 15, 30, 45]),
        ("5,10,50-52 * * * *", [5, 10, 50, 51, 52]),
        ("10-30/10 * * * *", [10, 20, 30]),
        ("55/2 * * * *", [55, 57, 59]),
        ("0 * * * *", [0]),
    ])
    func minuteField(expression: String, minutes: [Int]) throws {
        #expect(try CronExpression(expression).minutes.values == minutes)
    }

    @Test func namesAreCaseInsensitiveAndSundayIsZeroOrSeven() throws {
        let e = try CronExpression("0 9 * jan-MAR,Dec Mon-fri")
        #expect(e.months.values == [1, 2, 3, 12])
        #expect(e.daysOfWeek.values == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek.values == [0])
        #expect(try CronExpression("0 0 * * 5-7").daysOfWeek.values == [0, 5, 6])
        #expect(try CronExpression("0 0 * * *").daysOfWeek.values == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test(arguments: [
        ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"), ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@ANNUALLY", "0 0 1 1 *"),
    ])
    func shorthands(name: String, expanded: String) throws {
        let short = try CronExpression(name)
        let long = try CronExpression(expanded)
        #expect(short.text == name)
        #expect(short.minutes == long.minutes && short.hours == long.hours && short.daysOfMonth == long.daysOfMonth
            && short.months == long.months && short.daysOfWeek == long.daysOfWeek)
    }

    @Test(arguments: [
        ("60 * * * *", CronField.minute, "value 60 is out of range (0-59)"),
        ("* 24 * * *", .hour, "value 24 is out of range (0-23)"),
        ("* * 0 * *", .dayOfMonth, "value 0 is out of range (1-31)"),
        ("* * * 13 *", .month, "value 13 is out of range (1-12 or JAN-DEC)"),
        ("* * * * 8", .dayOfWeek, "value 8 is out of range (0-7 (0 and 7 are Sunday) or SUN-SAT)"),
        ("*/0 * * * *", .minute, "step \"0\""),
        ("* */x * * *", .hour, "step \"x\""),
        ("30-10 * * * *", .minute, "runs backwards"),
        ("1,,2 * * * *", .minute, "empty list item"),
        ("* * * FOO *", .month, "\"FOO\" is not a number or name"),
        ("* * * * MON-", .dayOfWeek, "empty value"),
        ("* * * JAN MAR", .dayOfWeek, "\"MAR\" is not a number or name"),
        ("* * * * -1", .dayOfWeek, "empty value"),
        ("1/2/3 * * * *", .minute, "more than one `/`"),
        ("* * 30 2 *", .dayOfMonth, "never falls in the months chosen (2)"),
        ("* * 31 4,6 *", .dayOfMonth, "never falls"),
        ("*/99 * * * *", .minute, "step 99"),
        ("+5 * * * *", .minute, "\"+5\" is not a number"),
    ])
    func badFieldsNameTheField(expression: String, field: CronField, reason: String) {
        do {
            _ = try CronExpression(expression)
            Issue.record("\(expression) was accepted")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(error.description.contains("the \(field) field"))
        }
    }

    @Test(arguments: ["", "* * * *", "* * * * * *", "@reboot", "@every5m", String(repeating: "1,", count: 200) + "1 * * * *"])
    func badShapesAreRefusedWithoutAField(expression: String) {
        #expect(throws: CronError.self) { try CronExpression(expression) }
        do { _ = try CronExpression(expression) } catch { #expect(error.field == nil) }
    }

    @Test func errorsSayWhatToDo() {
        do { _ = try CronExpression("* * * *") } catch {
            #expect(error.description == "cron expression \"* * * *\": has 4 fields, needs 5: minute hour day-of-month month day-of-week (e.g. \"*/15 * * * *\")")
        }
        do { _ = try CronSchedule("* * * * *", timeZone: "Mars/Olympus") } catch {
            #expect(error.description.contains("time zone \"Mars/Olympus\" is unknown"))
        }
    }

    @Test func tabsAndSurroundingSpaces() throws {
        #expect(try CronExpression("  0\t3  * * *  ").hours.values == [3])
    }
}

@Suite struct CronNextTests {
    @Test(arguments: [
        ("*/15 * * * *", "2026-12-07T10:14:59Z", "2026-12-07T10:15:00Z"),
        ("*/15 * * * *", "2026-12-07T10:15:00Z", "2026-12-07T10:30:00Z"),
        ("*/15 * * * *", "2026-12-07T10:59:30Z", "2026-12-07T11:00:00Z"),
        ("* * * * *", "2026-12-07T10:15:42Z", "2026-12-07T10:16:00Z"),
        ("0 3 * * *", "2026-12-07T03:00:00Z", "2026-12-08T03:00:00Z"),
        ("0 3 * * *", "2026-12-31T04:00:00Z", "2027-01-01T03:00:00Z"),
        ("30 2 1 * *", "2026-12-07T00:00:00Z", "2027-01-01T02:30:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"),
        ("0 9 * * MON-FRI", "2026-12-11T09:00:00Z", "2026-12-14T09:00:00Z"), // Friday -> Monday
        ("0 0 * * 0", "2026-12-07T00:00:00Z", "2026-12-13T00:00:00Z"),         // Monday -> Sunday
        ("@yearly", "2026-06-15T12:00:00Z", "2027-01-01T00:00:00Z"),
        ("@hourly", "2026-12-07T23:30:00Z", "2026-12-08T00:00:00Z"),
        ("0 12 * 2 *", "2026-12-07T00:00:00Z", "2027-02-01T12:00:00Z"),
    ])
    func nextInUTC(expression: String, after: String, expected: String) throws {
        #expect(try next(expression, after: after) == at(expected))
    }

    /// Vixie semantics: both day fields restricted means either matches.
    @Test func restrictedDayFieldsMatchEither() throws {
        // The 13th (a Sunday in December 2026) or any Friday: Friday the 11th comes first.
        #expect(try next("0 0 13 * FRI", after: "2026-12-07T00:00:00Z") == at("2026-12-11T00:00:00Z"))
        #expect(try next("0 0 13 * FRI", after: "2026-12-11T00:00:00Z") == at("2026-12-13T00:00:00Z"))
        // Only weekday restricted: day-of-month `*` does not widen it.
        #expect(try next("0 0 * * FRI", after: "2026-12-11T00:00:00Z") == at("2026-12-18T00:00:00Z"))
    }

    @Test func bothDayFieldsRestrictedInFebruary() throws {
        // Both restricted: 29th of February OR any Monday in February.
        #expect(try next("0 0 29 2 1", after: "2026-03-01T00:00:00Z") == at("2027-02-01T00:00:00Z"))
    }

    @Test func timeZones() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        // 03:00 in Berlin in winter is 02:00 UTC.
        #expect(try next("0 3 * * *", after: "2026-12-07T12:00:00Z", zone: berlin) == at("2026-12-08T02:00:00Z"))
        let schedule = try CronSchedule("0 3 * * *", timeZone: "America/New_York")
        #expect(schedule.next(after: at("2026-12-07T12:00:00Z")) == at("2026-12-08T08:00:00Z"))
        let kolkata = try CronSchedule("0 * * * *", timeZone: "Asia/Kolkata")
        // +05:30: the top of the hour there is half past in UTC.
        #expect(kolkata.next(after: at("2026-12-07T10:00:00Z")) == at("2026-12-07T10:30:00Z"))
    }

    @Test func daylightSavingSkipsTheMissingHourAndRepeatsTheDoubledOne() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        // 29 March 2026: 02:00 -> 03:00 in Berlin. 02:30 does not exist that day.
        #expect(try next("30 2 * * *", after: "2026-03-28T12:00:00Z", zone: berlin) == at("2026-03-30T00:30:00Z"))
        // Hourly runs keep their one-hour spacing in absolute time across the change.
        #expect(try next("0 * * * *", after: "2026-03-29T00:30:00Z", zone: berlin) == at("2026-03-29T01:00:00Z"))
        // 25 October 2026: 03:00 -> 02:00. 02:30 happens twice (00:30Z and 01:30Z).
        #expect(try next("30 2 * * *", after: "2026-10-24T12:00:00Z", zone: berlin) == at("2026-10-25T00:30:00Z"))
        #expect(try next("30 2 * * *", after: "2026-10-25T00:30:00Z", zone: berlin) == at("2026-10-25T01:30:00Z"))
    }

    @Test func everyMinuteForADayIsEveryMinute() throws {
        let e = try CronExpression("* * * * *")
        var t = at("2026-12-07T00:00:00Z")
        for _ in 0..<1440 {
            let n = try #require(e.next(after: t, in: utc))
            #expect(n.timeIntervalSince(t) == 60)
            t = n
        }
    }

    @Test func nextAgreesWithMatchesOverAWeek() throws {
        for text in ["*/7 1-5,22 * * *", "0,30 */3 1,15 * MON", "15 10 * * SAT,SUN"] {
            let e = try CronExpression(text)
            var expected: [Date] = []
            var minute = at("2026-12-07T00:00:00Z")
            let end = minute.addingTimeInterval(7 * 86_400)
            while minute < end {
                minute = minute.addingTimeInterval(60)
                if e.matches(minute, in: utc) { expected.append(minute) }
            }
            var got: [Date] = []
            var t = at("2026-12-07T00:00:00Z")
            while let n = e.next(after: t, in: utc), n <= end { got.append(n); t = n }
            #expect(got == expected, "\(text)")
        }
    }

    @Test func missedRunsCountOnce() throws {
        let s = try CronSchedule("*/15 * * * *", timeZone: "UTC")
        #expect(s.missedRun(since: at("2026-12-07T10:00:00Z"), now: at("2026-12-07T12:07:00Z")))
        #expect(s.missedRun(since: at("2026-12-07T10:00:00Z"), now: at("2026-12-07T10:15:00Z")))
        #expect(!s.missedRun(since: at("2026-12-07T10:00:00Z"), now: at("2026-12-07T10:14:59Z")))
    }
}
