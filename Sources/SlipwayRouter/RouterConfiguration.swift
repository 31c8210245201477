/// Tunables of the router; the defaults suit a single host running a few dozen apps.
public struct RouterConfiguration: Sendable {
    /// How long a backend may take to start its response once the whole request was sent (504 after);
    /// also how long an upload may make no progress, on either side, before it is cut off.
    public var responseTimeout: Duration
    /// How long to wait for a TCP connection to a backend before trying the next one. Backends are
    /// local replicas: a connect takes well under a millisecond, and one that does not answer (a
    /// replica that just died, whose address the engine's port forwarding still points at) must
    /// not hold a request for long.
    public var connectTimeout: Duration
    /// After a failed connect, a backend gets no new requests for this long (unless it is the only
    /// one left), so one dead replica costs one retried request per event loop, not one per request.
    public var ejectionPeriod: Duration
    /// Idle keep-alive connections kept per backend on each event loop; extra ones are closed.
    public var maxIdleConnectionsPerBackend: Int
    /// How long `stop()` lets in-flight requests finish before closing their connections.
    public var shutdownGracePeriod: Duration
    /// Listen backlog of the client-facing socket.
    public var backlog: Int32

    public init(
        responseTimeout: Duration = .seconds(60),
        connectTimeout: Duration = .milliseconds(300),
        ejectionPeriod: Duration = .seconds(2),
        maxIdleConnectionsPerBackend: Int = 64,
        shutdownGracePeriod: Duration = .seconds(10),
        backlog: Int32 = 1024
    ) {
        self.responseTimeout = responseTimeout
        self.connectTimeout = connectTimeout
        self.ejectionPeriod = ejectionPeriod
        self.maxIdleConnectionsPerBackend = maxIdleConnectionsPerBackend
        self.shutdownGracePeriod = shutdownGracePeriod
        self.backlog = backlog
    }
}
