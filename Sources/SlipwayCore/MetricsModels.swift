import Foundation

/// What the engine measured of one replica at one moment (Docker Engine API container stats):
/// its CPU time so far and the memory it uses. CPU shares are worked out from two such readings.
public struct ReplicaUsage: Sendable, Equatable {
    public var app: String
    public var service: String
    public var index: Int
    public var containerId: String
    /// CPU time used since the container started, in nanoseconds (all cores).
    public var cpuNanoseconds: UInt64
    /// Memory in use now, page cache that can be dropped left out.
    public var memoryBytes: UInt64
    public var time: Date

    public init(app: String, service: String, index: Int, containerId: String, cpuNanoseconds: UInt64, memoryBytes: UInt64, time: Date) {
        self.app = app
        self.service = service
        self.index = index
        self.containerId = containerId
        self.cpuNanoseconds = cpuNanoseconds
        self.memoryBytes = memoryBytes
        self.time = time
    }
}

/// `GET /v1/apps/{app}/metrics`: the server's history of one app, column by column (one entry per
/// interval in `time`), so a day of 1-minute points stays small. Rates are per second over the
/// interval; a latency or error rate is null for an interval without requests.
public struct AppMetricsView: Codable, Sendable {
    public struct Latency: Codable, Sendable {
        public var p50: [Double?]
        public var p95: [Double?]
        public var p99: [Double?]

        public init(p50: [Double?], p95: [Double?], p99: [Double?]) {
            self.p50 = p50
            self.p95 = p95
            self.p99 = p99
        }
    }

    public struct ServiceSeries: Codable, Sendable {
        public var name: String
        public var time: [Int]
        /// 100 is one core busy.
        public var cpuPercent: [Double]
        public var memoryBytes: [UInt64]

        public init(name: String, time: [Int], cpuPercent: [Double], memoryBytes: [UInt64]) {
            self.name = name
            self.time = time
            self.cpuPercent = cpuPercent
            self.memoryBytes = memoryBytes
        }
    }

    public struct ReplicaNow: Codable, Sendable, Equatable {
        public var service: String
        public var index: Int
        public var containerId: String
        public var cpuPercent: Double?
        public var memoryBytes: UInt64

        public init(service: String, index: Int, containerId: String, cpuPercent: Double?, memoryBytes: UInt64) {
            self.service = service
            self.index = index
            self.containerId = containerId
            self.cpuPercent = cpuPercent
            self.memoryBytes = memoryBytes
        }
    }

    public var app: String
    /// "hour" (10 s points) or "day" (1 min points).
    public var range: String
    /// Seconds per point.
    public var step: Int
    /// The end of each interval, Unix seconds.
    public var time: [Int]
    /// Keys "1xx" to "5xx".
    public var requestsPerSecond: [String: [Double]]
    public var latencySeconds: Latency
    /// 5xx answers over all answers.
    public var errorRate: [Double?]
    public var services: [ServiceSeries]
    /// Each running replica's latest reading (CPU over the last 10 s).
    public var replicas: [ReplicaNow]

    public init(app: String, range: String, step: Int, time: [Int], requestsPerSecond: [String: [Double]], latencySeconds: Latency,
                errorRate: [Double?], services: [ServiceSeries], replicas: [ReplicaNow]) {
        self.app = app
        self.range = range
        self.step = step
        self.time = time
        self.requestsPerSecond = requestsPerSecond
        self.latencySeconds = latencySeconds
        self.errorRate = errorRate
        self.services = services
        self.replicas = replicas
    }
}
