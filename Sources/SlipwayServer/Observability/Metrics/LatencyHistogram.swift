import Foundation

/// Request durations counted in buckets that grow by a quarter each, from 100 µs to about
/// 2 minutes (anything longer lands in the last one): percentiles within 12 % in 64 counters, and
/// histograms of several intervals add up (a minute is six 10 s intervals).
struct LatencyHistogram: Sendable, Equatable, Codable {
    static let bucketCount = 64
    static let smallest = 100e-6
    static let growth = 1.25

    private(set) var counts = [UInt32](repeating: 0, count: bucketCount)
    private(set) var total: UInt64 = 0

    static func bucket(seconds: Double) -> Int {
        guard seconds > smallest else { return 0 }
        return min(bucketCount - 1, Int((log(seconds / smallest) / log(growth)).rounded(.up)))
    }

    /// The upper bound of a bucket, in seconds.
    static func upperBound(_ bucket: Int) -> Double { smallest * pow(growth, Double(bucket)) }

    init() {}

    /// Refuses a histogram of another shape (a router of another version, or garbage).
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let counts = try container.decode([UInt32].self, forKey: .counts)
        guard counts.count == Self.bucketCount else {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: container,
                                                   debugDescription: "a latency histogram has \(Self.bucketCount) buckets, not \(counts.count)")
        }
        self.counts = counts
        self.total = counts.reduce(0) { $0 + UInt64($1) }
    }

    mutating func record(seconds: Double) {
        counts[Self.bucket(seconds: seconds)] &+= 1
        total += 1
    }

    mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        total += other.total
    }

    /// The duration `quantile` (0...1) of the requests took at most, as its bucket's upper bound;
    /// nil without requests.
    func quantile(_ quantile: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, UInt64((Double(total) * quantile).rounded(.up)))
        var seen: UInt64 = 0
        for (bucket, count) in counts.enumerated() {
            seen += UInt64(count)
            if seen >= rank { return Self.upperBound(bucket) }
        }
        return Self.upperBound(Self.bucketCount - 1)
    }
}
