/// How Slipway decides a replica may get traffic, and keeps checking it does.
/// Without `path` the check is a TCP connect to the service's port; with it, an HTTP GET
/// that must answer 2xx or 3xx.
public struct HealthCheck: Sendable, Codable, Equatable {
    public var path: String?
    public var intervalSeconds: Double
    public var timeoutSeconds: Double
    /// Failed checks in a row that take a ready replica out of rotation and restart it.
    public var threshold: Int
    /// How long a new replica may take to pass its first check (it is not restarted meanwhile).
    public var startPeriodSeconds: Double

    public init(path: String? = nil, intervalSeconds: Double = 2, timeoutSeconds: Double = 1, threshold: Int = 3,
                startPeriodSeconds: Double = 30) {
        self.path = path
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.threshold = threshold
        self.startPeriodSeconds = startPeriodSeconds
    }

    public static let tcp = HealthCheck()
}

/// How a new release replaces the old one: at most `maxSurge` extra replicas start at a time,
/// and at most `maxUnavailable` fewer than desired are ready at any moment.
public struct RolloutPolicy: Sendable, Codable, Equatable {
    public var maxSurge: Int
    public var maxUnavailable: Int
    /// How long a replica taken out of rotation may finish the requests it has in flight.
    public var drainSeconds: Double
    /// SIGTERM-to-SIGKILL grace when a replica stops.
    public var stopGraceSeconds: Int

    public init(maxSurge: Int = 1, maxUnavailable: Int = 0, drainSeconds: Double = 10, stopGraceSeconds: Int = 10) {
        self.maxSurge = maxSurge
        self.maxUnavailable = maxUnavailable
        self.drainSeconds = drainSeconds
        self.stopGraceSeconds = stopGraceSeconds
    }

    public static let standard = RolloutPolicy()
}

/// Durations in manifests: `2s`, `500ms`, `1m`, `1m30s`, `1h`, or a plain number of seconds.
public enum DurationText {
    public static func seconds(_ raw: Any) -> Double? {
        if raw is Bool { return nil }
        if let int = raw as? Int { return int >= 0 ? Double(int) : nil }
        if let double = raw as? Double { return double >= 0 ? double : nil }
        guard let text = raw as? String, !text.isEmpty else { return nil }
        var total = 0.0
        var number = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            var unit = String(character)
            let next = text.index(after: index)
            if character == "m", next < text.endIndex, text[next] == "s" { unit = "ms" }
            guard let value = Double(number) else { return nil }
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
            index = text.index(index, offsetBy: unit.count)
        }
        if !number.isEmpty {
            guard let value = Double(number) else { return nil }
            total += value
        }
        return total
    }
}
