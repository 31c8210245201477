/// One replica the router can send requests to: a plain-HTTP listener on host:port.
public struct Backend: Hashable, Sendable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(self.host):\(self.port)" }
}

/// What a Host header maps to.
public enum RouteResolution: Hashable, Sendable {
    /// A routed service with at least one backend.
    case service(app: String, service: String, backends: [Backend])
    /// Nothing is routed at this host (502).
    case unknownHost
    /// The app and service exist but have no ready replica (503).
    case noBackends(app: String, service: String)
    /// The app is in maintenance mode (503 with its page).
    case maintenance(app: String)
}

/// Waits for requests in flight to backends that left the route table, before their replicas
/// stop: the in-process `Router`, or the server's link to a router process.
public protocol BackendDrainer: Sendable {
    /// False if `timeout` passed first.
    func waitUntilDrained(_ backends: [Backend], timeout: Duration) async -> Bool
}

extension Router: BackendDrainer {}
