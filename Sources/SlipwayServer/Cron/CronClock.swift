import Foundation

/// The time the cron scheduler reads and waits on. The server uses the system clock; the
/// in-process tests a clock they move by hand, so a schedule can be tested without waiting.
public protocol CronClock: Sendable {
    func now() -> Date
    /// Returns at `date` (at once if it has passed); throws when the task is cancelled.
    func sleep(until date: Date) async throws
}

public struct SystemCronClock: CronClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .seconds(seconds), tolerance: .milliseconds(5)) }
    }
}
