import Foundation

/// At most `failuresPerMinute` wrong tokens a minute on the whole dashboard: past that, every
/// sign-in (right or wrong) is refused until the oldest failure is a minute old, so guesses cannot
/// be checked any faster. The server sees no client address here (a proxy may front it), hence one
/// budget for all; the CLI and the API's bearer token are not affected.
final class SignInThrottle: @unchecked Sendable {
    let failuresPerMinute: Int
    private let lock = NSLock()
    /// Times of the recent failures, oldest first; never more than `failuresPerMinute`.
    private var failures: [Date] = []

    init(failuresPerMinute: Int) {
        self.failuresPerMinute = max(1, failuresPerMinute)
    }

    /// Seconds to wait before a sign-in is looked at, or nil when one may be tried now.
    func wait(now: Date = Date()) -> Int? {
        lock.withLock {
            failures.removeAll { now.timeIntervalSince($0) >= 60 }
            guard failures.count >= failuresPerMinute, let oldest = failures.first else { return nil }
            return max(1, Int((60 - now.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    func failed(now: Date = Date()) {
        lock.withLock {
            failures.append(now)
            if failures.count > failuresPerMinute { failures.removeFirst(failures.count - failuresPerMinute) }
        }
    }
}
