/// The control protocol of a router running as its own process (`slipway router`): HTTP/1.1 with
/// JSON bodies over a unix socket in the data directory (its owner's alone), spoken by the server.
///
/// - `GET /status` -> `RouterProcessStatus`: is a router there, and is it the one the server wants.
/// - `PUT /routes` with `RouteTable.Routes` -> 204: replace the whole table (and keep it on disk).
/// - `PUT /challenges/TOKEN` with `ChallengeAnswer` -> 204, `DELETE /challenges/TOKEN` -> 204: the
///   HTTP-01 answers of ACME orders in flight (kept in memory only; the server sends them again
///   to a restarted router).
/// - `GET /metrics` -> the router's counters in the Prometheus text format, for the server's `/metrics`.
/// - `GET /traffic` -> requests per app since the last `GET /traffic` (counts by status class and a
///   latency histogram, JSON), read every 10 s by the server for its metrics history (the
///   dashboard's request and latency charts); reading it starts the next interval.
/// - `POST /drain` with `DrainRequest` -> `DrainResponse`: wait for requests in flight to backends
///   that left the table, before the server stops their replicas.
public enum RouterControl {
    public static let socketName = "control.sock"
    public static let routesFileName = "routes.json"
    public static let pidFileName = "router.pid"
    public static let logFileName = "router.log"
}

public struct RouterProcessStatus: Codable, Sendable, Equatable {
    public var pid: Int32
    /// The plain-HTTP listener, `host:port`.
    public var http: String
    public var domain: String
    /// The HTTPS listener, `host:port`, if it has one.
    public var https: String?
    /// Apps with backends in its table now.
    public var apps: Int

    public init(pid: Int32, http: String, domain: String, https: String?, apps: Int) {
        (self.pid, self.http, self.domain, self.https, self.apps) = (pid, http, domain, https, apps)
    }
}

public struct DrainRequest: Codable, Sendable {
    public var backends: [Backend]
    public var timeoutMilliseconds: Int
    public init(backends: [Backend], timeoutMilliseconds: Int) {
        self.backends = backends
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

public struct DrainResponse: Codable, Sendable {
    public var drained: Bool
    public init(drained: Bool) { self.drained = drained }
}
