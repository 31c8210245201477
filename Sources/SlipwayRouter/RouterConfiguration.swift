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
    /// A cap against runaway growth, not the working size: below the load's concurrency, every
    /// request over it would open (and then close) a connection of its own. bench/router at
    /// -c256 made 250 connections a second per replica with a cap of 64.
    public var maxIdleConnectionsPerBackend: Int
    /// How long a pooled connection may sit unused before the router closes it: the pool shrinks
    /// back after a burst. Shorter than most apps' own keep-alive timeouts (Node's is 5 s), so
    /// that the router, not the app, usually closes an idle connection, and a request rarely
    /// meets a connection the app has just closed.
    public var idleConnectionTimeout: Duration
    /// How long `stop()` lets in-flight requests finish before closing their connections.
    public var shutdownGracePeriod: Duration
    /// Listen backlog of the client-facing socket.
    public var backlog: Int32
    /// How long a client may take to send a request head, from its first byte (or, on a new
    /// connection, from the accept): slowloris clients that trickle a header are cut off (408).
    public var headerTimeout: Duration
    /// How long a keep-alive connection may sit between requests (or an upgraded connection
    /// without a byte either way) before the router closes it.
    public var idleTimeout: Duration
    /// Client connections open at once; one more is closed at accept.
    public var maxConnections: Int
    /// Peers whose X-Forwarded-For / Forwarded / X-Real-IP / X-Forwarded-Proto / -Host are kept
    /// (and appended to): proxies in front of the router. Anyone else's are replaced.
    public var trustedProxies: [IPNetwork]

    public init(
        responseTimeout: Duration = .seconds(60),
        connectTimeout: Duration = .milliseconds(300),
        ejectionPeriod: Duration = .seconds(2),
        maxIdleConnectionsPerBackend: Int = 1024,
        idleConnectionTimeout: Duration = .seconds(4),
        shutdownGracePeriod: Duration = .seconds(10),
        backlog: Int32 = 1024,
        headerTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        maxConnections: Int = 10_000,
        trustedProxies: [IPNetwork] = []
    ) {
        self.responseTimeout = responseTimeout
        self.connectTimeout = connectTimeout
        self.ejectionPeriod = ejectionPeriod
        self.maxIdleConnectionsPerBackend = maxIdleConnectionsPerBackend
        self.idleConnectionTimeout = idleConnectionTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.backlog = backlog
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.trustedProxies = trustedProxies
    }
}
