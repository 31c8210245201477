import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive connections to backends, and in-flight request counts, for ONE event loop.
///
/// A client connection only ever talks to backends through the pool of its own event loop, so
/// proxying never hops threads. Everything here is touched on `eventLoop` only, except the
/// in-flight counters (atomics) and the `states` map (written under `lock`), which are also read
/// from other threads (draining).
final class BackendConnectionPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    /// Flushes client and backend connections of this loop at the end of each tick.
    let flusher: TickFlusher
    private let configuration: RouterConfiguration
    private let logger: Logger
    private let lock = NIOLock()
    private var states: [Backend: BackendState] = [:]
    private var roundRobin: [ObjectIdentifier: RouteCursor] = [:]
    /// The cursor used last: under load most requests go to the same route, and this skips hashing.
    private var lastCursor: RouteCursor?
    /// Backends whose last connect failed, and until when they are skipped.
    private var ejectedUntil: [Backend: NIODeadline] = [:]
    private var isShutDown = false
    /// Closes connections idle for longer than `idleConnectionTimeout`.
    private var idleSweep: RepeatedTask?

    /// One backend as seen from this event loop.
    final class BackendState {
        let backend: Backend
        let address: SocketAddress?
        /// Most recently used last, so the warmest connection is reused first.
        var idle: [BackendConnection] = []
        /// Requests sent to (or waiting for a connection to) the backend; read from any thread.
        let inFlight = ManagedAtomic<Int>(0)
        /// Set when the backend left the route table: connections are closed instead of pooled.
        var isRemoved = false

        init(backend: Backend) {
            self.backend = backend
            // Resolve IP literals once; getaddrinfo would run on a thread pool for every connect.
            self.address = try? SocketAddress(ipAddress: backend.host, port: backend.port)
        }
    }

    init(eventLoop: any EventLoop, configuration: RouterConfiguration, logger: Logger) {
        self.eventLoop = eventLoop
        self.flusher = TickFlusher(eventLoop: eventLoop)
        self.configuration = configuration
        self.logger = logger
        let timeout = TimeAmount(configuration.idleConnectionTimeout)
        // Swept twice per timeout: a connection closes between one and one and a half timeouts idle.
        let interval = TimeAmount.nanoseconds(max(timeout.nanoseconds / 2, 1_000_000))
        self.idleSweep = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            self?.closeIdleConnections(unusedSince: .now() - timeout)
        }
    }

    // MARK: On the event loop

    /// A route's round-robin turn and its backends' states in route order, so picking a backend
    /// for a request hashes no backend address.
    private final class RouteCursor {
        let route: ServiceRoute
        var turn = 0
        var states: [BackendState?]

        init(route: ServiceRoute) {
            self.route = route
            self.states = Array(repeating: nil, count: route.backends.count)
        }
    }

    /// The next backend in round-robin order, skipping `excluding` (the one a retry failed on) and
    /// backends ejected after a failed connect, unless nothing else is left.
    func pickBackend(_ route: ServiceRoute, excluding: Backend? = nil) -> BackendState {
        let cursor: RouteCursor
        if let last = self.lastCursor, last.route === route {
            cursor = last
        } else if let existing = self.roundRobin[ObjectIdentifier(route)], existing.route === route {
            cursor = existing
        } else {
            cursor = RouteCursor(route: route)
            self.roundRobin[ObjectIdentifier(route)] = cursor
        }
        self.lastCursor = cursor
        let index = self.pickIndex(route.backends, turn: &cursor.turn, excluding: excluding)
        if let state = cursor.states[index] { return state }
        let state = self.state(for: route.backends[index])
        cursor.states[index] = state
        return state
    }

    private func pickIndex(_ backends: [Backend], turn: inout Int, excluding: Backend?) -> Int {
        if backends.count == 1 { return 0 }
        let current = turn
        turn = current &+ 1
        if excluding == nil && self.ejectedUntil.isEmpty { return current % backends.count }
        let now = NIODeadline.now()
        for offset in 0..<backends.count {
            let index = (current &+ offset) % backends.count
            let candidate = backends[index]
            if candidate == excluding { continue }
            if let until = self.ejectedUntil[candidate] {
                if until > now { continue }
                self.ejectedUntil[candidate] = nil
            }
            return index
        }
        let index = current % backends.count
        if let excluding, backends[index] == excluding { return (index + 1) % backends.count }
        return index
    }

    /// A connect to `backend` failed: skip it for `ejectionPeriod`.
    func eject(_ backend: Backend) {
        self.ejectedUntil[backend] = .now() + TimeAmount(self.configuration.ejectionPeriod)
    }

    func state(for backend: Backend) -> BackendState {
        if let state = self.states[backend] { return state }
        let state = BackendState(backend: backend)
        self.lock.withLock { self.states[backend] = state }
        return state
    }

    func beginRequest(_ state: BackendState) {
        state.inFlight.wrappingIncrement(ordering: .acquiringAndReleasing)
    }

    func endRequest(_ state: BackendState) {
        state.inFlight.wrappingDecrement(ordering: .acquiringAndReleasing)
    }

    /// A live idle connection, if any; dead ones found on the way are dropped.
    func takeIdle(_ state: BackendState) -> BackendConnection? {
        while let connection = state.idle.popLast() {
            if connection.isActive { return connection }
        }
        return nil
    }

    /// Hands a connection back after a complete exchange; closes it if it cannot be reused.
    func release(_ connection: BackendConnection, _ state: BackendState) {
        guard connection.isActive else { return }
        if self.isShutDown || state.isRemoved || state.idle.count >= self.configuration.maxIdleConnectionsPerBackend {
            connection.close()
            return
        }
        connection.idleSince = .now()
        state.idle.append(connection)
    }

    /// Closes the pooled connections that have not been used since `deadline`.
    private func closeIdleConnections(unusedSince deadline: NIODeadline) {
        for state in self.states.values {
            // Least recently used first (`takeIdle` takes from the end).
            let stale = state.idle.prefix { $0.idleSince < deadline }
            guard !stale.isEmpty else { continue }
            state.idle.removeFirst(stale.count)
            for connection in stale { connection.close() }
        }
    }

    /// Called by an idle connection that the backend closed.
    func idleConnectionClosed(_ connection: BackendConnection, _ state: BackendState) {
        state.idle.removeAll { $0 === connection }
    }

    /// A new connection to `state.backend`, with a `BackendConnection` as its only handler.
    func connect(_ state: BackendState) -> EventLoopFuture<any Channel> {
        let bootstrap = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(TimeAmount(self.configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Writes requests as bytes and frames responses itself: no HTTP encoder or decoder.
                    try channel.pipeline.syncOperations.addHandler(BackendConnection())
                }
            }
        if let address = state.address {
            return bootstrap.connect(to: address)
        }
        return bootstrap.connect(host: state.backend.host, port: state.backend.port)
    }

    /// The handler of a freshly connected channel, tied to this pool.
    func adopt(_ channel: any Channel, state: BackendState) throws -> BackendConnection {
        let connection = try channel.pipeline.syncOperations.handler(type: BackendConnection.self)
        connection.adopted(by: self, state: state)
        return connection
    }

    /// Marks backends that left the route table and closes their idle connections.
    func routesChanged(activeBackends: Set<Backend>) {
        self.roundRobin.removeAll()
        self.lastCursor = nil
        var gone: [Backend] = []
        for (backend, state) in self.states {
            state.isRemoved = !activeBackends.contains(backend)
            guard state.isRemoved else { continue }
            let idle = state.idle
            state.idle.removeAll()
            for connection in idle { connection.close() }
            if state.inFlight.load(ordering: .acquiring) == 0 { gone.append(backend) }
        }
        if !gone.isEmpty {
            self.lock.withLock { for backend in gone { self.states[backend] = nil } }
            self.logger.debug("closed pooled connections", metadata: ["router.backends": "\(gone)"])
        }
    }

    func shutDown() {
        self.isShutDown = true
        self.idleSweep?.cancel()
        self.idleSweep = nil
        for state in self.states.values {
            let idle = state.idle
            state.idle.removeAll()
            for connection in idle { connection.close() }
        }
    }

    // MARK: Any thread

    func inFlight(to backend: Backend) -> Int {
        self.lock.withLock { self.states[backend] }?.inFlight.load(ordering: .acquiring) ?? 0
    }
}
