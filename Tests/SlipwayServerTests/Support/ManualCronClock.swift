import Foundation
@testable import SlipwayServer

/// A clock for the cron scheduler that only moves when a test moves it, so "runs at 10:01:00"
/// is checked without waiting a minute. Sleepers wake when `advance` passes their time.
final class ManualCronClock: CronClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [UUID: (until: Date, continuation: CheckedContinuation<Void, any Error>)] = [:]

    init(_ start: Date) { current = start }

    func now() -> Date { lock.withLock { current } }

    func sleep(until date: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = lock.withLock {
                    if date <= current || Task.isCancelled { return true }
                    sleepers[id] = (date, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves the time to `date` and wakes whoever sleeps until then or earlier.
    func advance(to date: Date) {
        let due = lock.withLock {
            current = date
            let woken = sleepers.filter { $0.value.until <= date }
            for id in woken.keys { sleepers[id] = nil }
            return woken.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits (10 s at most) until someone sleeps; returns the earliest time a sleeper waits for.
    func sleeper() async throws -> Date {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let earliest = lock.withLock({ sleepers.values.map(\.until).min() }) { return earliest }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestTimeout("nobody sleeps on the clock")
    }

    /// Moves the time from wake-up to wake-up until the scheduler sleeps until `date` (or later).
    func step(to date: Date) async throws {
        for _ in 0..<100 {
            let next = try await sleeper()
            if next >= date { return }
            advance(to: next)
        }
        throw TestTimeout("the scheduler never slept until \(date)")
    }
}
