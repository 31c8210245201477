import Foundation

/// Failed attempts for one host and when to try again: the first retry after `first`, each
/// later one twice as long, never longer than `maximum` (a CA's rate limits are counted in
/// hours; an unreachable directory should not be hammered either).
public struct RenewalBackoff: Sendable, Equatable {
    public var failures = 0
    public var lastError: String?
    public var nextAttempt: Date?

    public init() {}

    public mutating func failed(_ error: String, at now: Date, first: Duration, maximum: Duration) {
        failures += 1
        lastError = error
        nextAttempt = now.addingTimeInterval(Self.delay(failures: failures, first: first, maximum: maximum))
    }

    public func allowsAttempt(at now: Date) -> Bool {
        nextAttempt.map { now >= $0 } ?? true
    }

    /// Seconds to wait after the `failures`-th failure in a row.
    static func delay(failures: Int, first: Duration, maximum: Duration) -> TimeInterval {
        let firstSeconds = Double(first.components.seconds) + Double(first.components.attoseconds) / 1e18
        let maximumSeconds = Double(maximum.components.seconds) + Double(maximum.components.attoseconds) / 1e18
        return min(firstSeconds * pow(2, Double(max(0, failures - 1))), maximumSeconds)
    }
}
