import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP/1.1 reverse proxy in front of every app: routes by Host through a `RouteTable`.
///
/// Each client connection is served on its own event loop, with backend connections from that
/// loop's `BackendConnectionPool`, so a request never crosses threads.
public final class Router: Sendable {
    public let host: String
    public let requestedPort: Int
    public let routes: RouteTable
    /// HTTP-01 answers the router gives itself, for any Host (see ACMEChallengeTokens).
    public let challengeTokens: ACMEChallengeTokens
    public let configuration: RouterConfiguration
    /// The HTTPS listener, if any (`--https`).
    public let tls: RouterTLS?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let metrics = RequestMetrics()
    private let state = NIOLockedValueBox(State())

    /// Completed once the router has stopped: every client connection closed, pools shut down.
    private let stoppedPromise: EventLoopPromise<Void>

    private struct State {
        var serverChannel: (any Channel)?
        /// One per listener: each closes its listener and tells that listener's client connections
        /// to finish their exchange (NIOExtras).
        var quiescing: [ServerQuiescingHelper] = []
        var boundPort: Int?
        var tlsServerChannel: (any Channel)?
        var boundHTTPSPort: Int?
        var pools: [ObjectIdentifier: BackendConnectionPool] = [:]
        var clients: [ObjectIdentifier: any Channel] = [:]
        var observerID: Int?
        var stopped = false
    }

    public init(
        host: String,
        port: Int,
        routes: RouteTable,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        configuration: RouterConfiguration = .init(),
        challengeTokens: ACMEChallengeTokens = ACMEChallengeTokens(),
        tls: RouterTLS? = nil
    ) {
        self.tls = tls
        self.host = host
        self.requestedPort = port
        self.routes = routes
        self.challengeTokens = challengeTokens
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.configuration = configuration
        self.stoppedPromise = eventLoopGroup.any().makePromise()
    }

    deinit {
        self.stoppedPromise.succeed()  // never started, or already stopped (then this is a no-op)
    }

    /// The port the router listens on, once started.
    public var boundPort: Int? { self.state.withLockedValue { $0.boundPort } }

    /// The port the HTTPS listener listens on, once started (nil without `tls`).
    public var boundHTTPSPort: Int? { self.state.withLockedValue { $0.boundHTTPSPort } }

    /// Binds and starts accepting connections; returns the bound port (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        try self.state.withLockedValue { state in
            if state.stopped { throw RouterError.stopped }
            if state.serverChannel != nil { throw RouterError.alreadyStarted }
        }
        self.raiseOpenFilesLimit()
        // One helper per listener: a helper quiesces the first listener it is given only.
        var quiescing = [ServerQuiescingHelper]()
        // HTTPS first: the plain listener's redirects name its port.
        var tlsChannel: (any Channel)?
        var plainRole = ListenerRole.plain
        if let tls = self.tls {
            let tlsQuiescing = ServerQuiescingHelper(group: self.eventLoopGroup)
            quiescing.append(tlsQuiescing)
            let context = try tls.makeContext(applicationProtocols: ALPNSwitch.protocols)
            let role = ListenerRole.https(strictTransportSecurity: tls.strictTransportSecurity)
            let channel = try await self.bootstrap(quiescing: tlsQuiescing, role: role, tls: context).bind(host: tls.host, port: tls.port).get()
            tlsChannel = channel
            if tls.redirectPlainHTTP {
                plainRole.redirect = .init(certificates: tls.certificates, port: tls.publicPort ?? channel.localAddress?.port ?? tls.port)
            }
        }
        let plainQuiescing = ServerQuiescingHelper(group: self.eventLoopGroup)
        quiescing.append(plainQuiescing)
        let channel: any Channel
        do {
            channel = try await self.bootstrap(quiescing: plainQuiescing, role: plainRole, tls: nil).bind(host: self.host, port: self.requestedPort).get()
        } catch {
            try? await tlsChannel?.close()
            throw error
        }
        let port = channel.localAddress?.port ?? self.requestedPort
        let observerID = self.routes.addObserver { [weak self] in self?.routesChanged() }
        let raced = self.state.withLockedValue { state -> Bool in
            guard state.serverChannel == nil, !state.stopped else { return true }
            (state.serverChannel, state.boundPort, state.observerID) = (channel, port, observerID)
            (state.tlsServerChannel, state.boundHTTPSPort) = (tlsChannel, tlsChannel?.localAddress?.port)
            state.quiescing = quiescing
            return false
        }
        if raced {  // a concurrent start() or stop() got there first
            self.routes.removeObserver(observerID)
            try? await channel.close()
            try? await tlsChannel?.close()
            throw self.state.withLockedValue { $0.stopped } ? RouterError.stopped : RouterError.alreadyStarted
        }
        if let tlsChannel, let tls = self.tls {
            self.logger.info("router listening for HTTPS", metadata: ["router.address": "\(tls.host):\(tlsChannel.localAddress?.port ?? tls.port)"])
        }
        self.logger.info("router listening", metadata: ["router.address": "\(self.host):\(port)"])
        return port
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), then closes
    /// every client and pooled backend connection. Returns once all that is done.
    public func stop() async throws {
        self.beginShutdown()
        await self.waitUntilStopped()
    }

    /// Starts a graceful shutdown and returns at once (see `stop()`): the listeners close, idle
    /// keep-alive connections close, busy ones after their current response (NIOExtras'
    /// ServerQuiescingHelper sends them ChannelShouldQuiesceEvent); whatever is still open after
    /// the grace period is closed. Calling it again does nothing.
    public func beginShutdown() {
        let (alreadyStopped, quiescing, listeners, observerID) = self.state.withLockedValue { state in
            defer {
                (state.serverChannel, state.observerID, state.quiescing, state.stopped) = (nil, nil, [], true)
                state.tlsServerChannel = nil
            }
            return (state.stopped, state.quiescing, [state.serverChannel, state.tlsServerChannel].compactMap { $0 }, state.observerID)
        }
        guard !alreadyStopped else { return }
        if let observerID { self.routes.removeObserver(observerID) }
        guard !quiescing.isEmpty else {  // never started
            self.stoppedPromise.succeed()
            return
        }
        let eventLoop = self.stoppedPromise.futureResult.eventLoop
        // Each helper closes its listener (so no listener is closed here: the helper would find it
        // closed already and give up its drain) and completes once that listener's connections are
        // gone. The listeners' own closes are waited for too: stopped means a connect is refused.
        let drained = quiescing.map { helper in
            let promise = eventLoop.makePromise(of: Void.self)
            helper.initiateShutdown(promise: promise)
            return promise.futureResult
        }
        let graceOver = eventLoop.scheduleTask(in: TimeAmount(self.configuration.shutdownGracePeriod)) {
            for client in self.state.withLockedValue({ Array($0.clients.values) }) {
                client.close(promise: nil)
            }
        }
        EventLoopFuture.andAllComplete(drained + listeners.map(\.closeFuture), on: eventLoop).whenComplete { _ in
            graceOver.cancel()
            let pools = self.state.withLockedValue { Array($0.pools.values) }
            EventLoopFuture.andAllComplete(pools.map { pool in pool.eventLoop.submit { pool.shutDown() } }, on: eventLoop)
                .whenComplete { _ in
                    self.logger.info("router stopped")
                    self.stoppedPromise.succeed()
                }
        }
    }

    /// Returns once the router has stopped (at once if it never started and `beginShutdown` ran).
    public func waitUntilStopped() async {
        try? await self.stoppedPromise.futureResult.get()
    }

    /// Requests currently sent to (or waiting for a connection to) `backend`, over all event loops.
    public func inFlightRequests(to backend: Backend) -> Int {
        self.state.withLockedValue { Array($0.pools.values) }.reduce(0) { $0 + $1.inFlight(to: backend) }
    }

    /// Waits until none of `backends` has a request in flight; false if `timeout` passed first.
    /// Call it after taking the backends out of the route table, before stopping them.
    public func waitUntilDrained(_ backends: [Backend], timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if backends.allSatisfy({ self.inFlightRequests(to: $0) == 0 }) { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: Internals

    /// A listener's bootstrap: every accepted connection gets the role's handlers (TLS first, with `tls`).
    private func bootstrap(quiescing: ServerQuiescingHelper, role: ListenerRole, tls: NIOSSLContext?) -> ServerBootstrap {
        ServerBootstrap(group: self.eventLoopGroup)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .serverChannelOption(.backlog, value: self.configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.initializeClientChannel(channel, role: role, tls: tls)
                }
            }
    }

    /// Every connection is a file descriptor: take what the hard limit allows, and say so when
    /// that is below --max-connections (each client connection can need a backend one as well).
    private func raiseOpenFilesLimit() {
        guard let limit = OpenFilesLimit.raiseToHardLimit() else { return }
        if limit < self.configuration.maxConnections {
            self.logger.warning(
                "the open-files limit is below the router's connection limit: connections beyond it will fail at accept",
                metadata: [
                    "router.open_files_limit": "\(limit)",
                    "router.max_connections": "\(self.configuration.maxConnections)",
                    "hint": "raise the hard limit (ulimit -Hn, LimitNOFILE= in a systemd unit) or lower --max-connections",
                ])
        }
    }

    private func initializeClientChannel(_ channel: any Channel, role: ListenerRole, tls: NIOSSLContext?) throws {
        let pool = self.pool(for: channel.eventLoop)
        let id = ObjectIdentifier(channel)
        let accepted = self.state.withLockedValue { state -> Bool in
            guard !state.stopped, state.clients.count < self.configuration.maxConnections else { return false }
            state.clients[id] = channel
            return true
        }
        guard accepted else {
            // Over --max-connections (or stopping): closed at accept, before reading a byte.
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { _ in
            self.state.withLockedValue { _ = $0.clients.removeValue(forKey: id) }
        }
        // One handler: it frames requests itself (RequestFramer), writes responses as bytes, and
        // does pipelining and the 400s for malformed requests (NIO's pipelining handler holds
        // reads around every request: two epoll_ctl calls per request).
        // Over TLS, NIOSSL decrypts in front of it; the handler's header timeout, counted from the
        // accept, covers a handshake that never ends.
        if let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
            // HTTP/2 if the client chose it (ALPN); its streams get proxy handlers of their own.
            try channel.pipeline.syncOperations.addHandler(ALPNSwitch(idleTimeout: TimeAmount(self.configuration.idleTimeout)) { stream in
                self.makeProxyHandler(pool: self.pool(for: stream.eventLoop), role: role)
            })
        }
        try channel.pipeline.syncOperations.addHandler(self.makeProxyHandler(pool: pool, role: role))
    }

    private func makeProxyHandler(pool: BackendConnectionPool, role: ListenerRole) -> ProxyServerHandler {
        ProxyServerHandler(
            pool: pool, routes: self.routes, challengeTokens: self.challengeTokens, configuration: self.configuration,
            metrics: self.metrics, logger: self.logger, role: role)
    }

    private func pool(for eventLoop: any EventLoop) -> BackendConnectionPool {
        let key = ObjectIdentifier(eventLoop)
        return self.state.withLockedValue { state in
            if let pool = state.pools[key] { return pool }
            let pool = BackendConnectionPool(
                eventLoop: eventLoop, configuration: self.configuration, logger: self.logger)
            state.pools[key] = pool
            return pool
        }
    }

    private func routesChanged() {
        let active = self.routes.snapshot.allBackends
        for pool in self.state.withLockedValue({ Array($0.pools.values) }) {
            pool.eventLoop.execute { pool.routesChanged(activeBackends: active) }
        }
    }
}
