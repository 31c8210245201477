import Logging
import NIOCore
import NIOHTTP1

/// The last handler of a client connection: routes each request by Host and relays it to a backend.
///
/// One request at a time: pipelined requests wait in `queued` until the response before them is
/// done (see ProxyServerHandler+Pipelining.swift); no HTTPServerPipelineHandler, whose holding of
/// reads on every request costs two epoll_ctl calls per request. Bodies are relayed part by part in
/// both directions; backpressure works by withholding `read()`: this handler swallows the client's
/// reads while the backend connection is not writable (or not connected yet) and while pipelined
/// requests wait, and `BackendConnection` swallows the backend's reads while the client is not
/// writable.
final class ProxyServerHandler: ChannelDuplexHandler, TickFlushable {
    /// The client's bytes: `RequestFramer` splits them into requests (no HTTP decoder in the pipeline).
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    /// Responses go out as bytes: backends' as received (see ProxyServerHandler+Backend.swift),
    /// the router's own serialized here; there is no HTTPResponseEncoder in the pipeline.
    typealias OutboundOut = ByteBuffer

    enum Phase: Equatable {
        case idle
        /// Routing failed at the head; answer once the request (and any body) has been read.
        case rejecting(HTTPResponseStatus, String)
        /// The app is in maintenance mode: answer with its page once the request has been read.
        case maintenance(MaintenancePage)
        /// Waiting for a new backend connection; body parts are buffered (reads are held meanwhile).
        case connecting
        /// Relaying to and from `connection`.
        case proxying
        /// The response is done but the client is still sending the request body: discard it.
        case discardingRequest
        /// The backend accepted an upgrade (101): bytes pass through unframed both ways
        /// (ProxyServerHandler+Upgrade.swift).
        case tunneling
        case closed
    }

    let pool: BackendConnectionPool
    let routes: RouteTable
    let challengeTokens: ACMEChallengeTokens
    /// Plain or HTTPS listener (TLS/ListenerRole.swift).
    let role: ListenerRole
    /// Whether the last Host seen has a certificate, while the certificates are unchanged.
    var cachedRedirect: (generation: Int, host: ByteBuffer, covered: Bool)?
    /// The Location of a 308 to HTTPS being answered (the phase is `.rejecting`).
    var redirectLocation: String?
    let responseTimeout: TimeAmount
    let headerTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let trustedProxies: [IPNetwork]
    let metrics: RequestMetrics
    var logger: Logger

    var context: ChannelHandlerContext?
    var phase = Phase.idle
    /// The client channel's writability, kept from `channelWritabilityChanged` (asking the channel
    /// goes through the pipeline, and a backend read asks on every event).
    private var clientWritable = true
    /// The time of the client read event being handled (nil outside one): a request head and its
    /// end usually arrive in one read, and each wants the time (start, deadlines).
    private var eventTime: NIODeadline?
    private var clientIP: String?
    /// The peer is a proxy in --trusted-proxy: its X-Forwarded-* headers are kept.
    private var clientIsTrustedProxy = false
    var framer = RequestFramer()
    /// When the first byte of the head being received arrived (the accept, for a new connection);
    /// nil between requests (see ProxyServerHandler+Timeouts.swift).
    var headStartedAt: NIODeadline?
    /// When the connection was last busy: the idle timeout runs from here.
    var lastActive = NIODeadline.uptimeNanoseconds(0)
    let watchdog = ClientConnectionWatchdog()

    // Host -> route cache: clients send the same Host on every request of a keep-alive connection.
    // Valid while the route table's generation is unchanged: checking it takes no lock (the table's
    // lock, taken per request by both event loops, made them contend).
    private var cachedGeneration = -1
    private var cachedHost: ByteBuffer?
    private var cachedRoute: ServiceRoute?

    // The current exchange.
    var request: ClientRequestHead?
    /// The request head as sent to backends (again on a retry).
    var backendRequest: BackendRequest?
    /// The storage `backendRequest` heads are written into, reused from one request to the next
    /// (no allocation once the previous head has been written out and let go of).
    private var backendRequestBuffer = ByteBuffer()
    private var forwardedLines = ProxyHeaders.ForwardedLines()
    var route: ServiceRoute?
    var backendState: BackendConnectionPool.BackendState?
    var connection: BackendConnection?
    var pending = CircularBuffer<BackendConnection.BodyPart>(initialCapacity: 4)
    var requestEnded = false
    var requestHadBody = false
    var attempts = 0
    var responseStarted = false
    var backendKeepAlive = true
    var clientKeepAlive = true
    /// The response goes to the client chunked (re-framed here): the backend's had no length.
    var clientChunked = false
    /// Bumped per exchange so a late connect completion can tell it is stale.
    var exchangeID: UInt64 = 0
    var readPending = false
    var backendNeedsFlush = false
    /// Response bytes not yet handed to the channel: joined per flush (see OutputCoalescer).
    var clientOutput = OutputCoalescer()
    private var clientFlushQueued = false
    /// When the exchange must have moved on (next request body part, or the response head).
    var progressDeadline: NIODeadline?
    var timerArmed = false
    // For the request metrics: the exchange's app and service once routed, its start and status.
    var metricsRoute: ServiceRoute?
    /// The metric handles of the route last counted: clients use one Host per connection.
    var metricsHandles: (route: ServiceRoute, handles: RequestMetrics.Handles)?
    var requestStart = NIODeadline.now()
    var responseStatus = 0

    /// Request parts (or a parse error) that came after the current request's end, while its
    /// response is still under way: pipelined requests, handled in order once it is done.
    var queued = CircularBuffer<QueuedEvent>(initialCapacity: 0)
    var processingQueue = false
    /// The current request asks for an upgrade (ProxyServerHandler+Upgrade.swift).
    var upgradeRequested = false
    /// Client bytes that came after an upgrade request, held until the backend's answer says
    /// whether they are HTTP or the new protocol.
    var heldAfterUpgrade: ByteBuffer?
    /// The router is stopping: close once the current exchange is answered.
    var quiescing = false

    init(
        pool: BackendConnectionPool, routes: RouteTable, challengeTokens: ACMEChallengeTokens, configuration: RouterConfiguration,
        metrics: RequestMetrics, logger: Logger, role: ListenerRole = .plain
    ) {
        self.role = role
        self.pool = pool
        self.routes = routes
        self.challengeTokens = challengeTokens
        self.metrics = metrics
        self.responseTimeout = TimeAmount(configuration.responseTimeout)
        self.headerTimeout = TimeAmount(configuration.headerTimeout)
        self.idleTimeout = TimeAmount(configuration.idleTimeout)
        self.trustedProxies = configuration.trustedProxies
        self.logger = logger
        self.watchdog.handler = self
    }

    var clientIsWritable: Bool { self.clientWritable && self.context != nil }

    /// Now: the time of the client read event being handled, if any.
    func now() -> NIODeadline {
        self.eventTime ?? .now()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.peerAddressKnown(context.channel.remoteAddress)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.abandonExchange()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.peerAddressKnown(context.channel.remoteAddress)
        self.startWatchdog(context: context)
        context.fireChannelActive()
    }

    private func peerAddressKnown(_ address: SocketAddress?) {
        self.clientIP = address?.ipAddress
        self.clientIsTrustedProxy = address.map { address in self.trustedProxies.contains { $0.contains(address) } } ?? false
    }

    // MARK: Client -> router

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        let now = NIODeadline.now()
        if self.phase == .tunneling || self.awaitingUpgradeAnswer {
            return self.upgradedClientRead(buffer, now: now)
        }
        self.eventTime = now
        defer { self.eventTime = nil }
        self.frame(&buffer, now: now)
    }

    /// Splits client bytes into requests and handles them (or queues them behind the current one).
    func frame(_ buffer: inout ByteBuffer, now: NIODeadline) {
        if self.headStartedAt == nil && self.framer.isAwaitingHead { self.headStartedAt = now }
        do {
            // Until closed: after answering a malformed request, or quiesced.
            while self.phase != .closed, let part = try self.framer.next(&buffer) {
                if case .head = part { self.headStartedAt = nil }
                if self.mustQueue {
                    self.queued.append(.part(part))
                } else {
                    self.handle(part)
                    if self.awaitingUpgradeAnswer {
                        // The next bytes are the new protocol's if the backend answers 101.
                        self.heldAfterUpgrade = buffer
                        buffer.moveReaderIndex(to: buffer.writerIndex)
                        return
                    }
                }
            }
        } catch {
            self.parseErrorCaught(error as? HTTPFramingError ?? HTTPFramingError("\(error)"))
        }
        // A pipelined head that began after the end of the request before it, in this read.
        if self.headStartedAt == nil && self.framer.isInsideHead { self.headStartedAt = now }
    }

    func handle(_ part: RequestFramer.Event) {
        switch part {
        case .head(let head):
            self.requestHeadReceived(head)
        case .body(let buffer):
            self.requestHadBody = true
            switch self.phase {
            case .connecting:
                self.pending.append(.data(buffer))
            case .proxying:
                self.connection?.write(.data(buffer))
                self.backendNeedsFlush = true
                self.extendDeadline()
            case .idle, .rejecting, .maintenance, .discardingRequest, .tunneling, .closed:
                break
            }
        case .end(let trailers):
            self.requestEnded = true
            switch self.phase {
            case .connecting:
                self.pending.append(.end(trailers: trailers))
            case .proxying:
                self.connection?.write(.end(trailers: trailers))
                self.backendNeedsFlush = true
                self.requestFullySent()
            case .rejecting(let status, let message):
                self.respondWithError(status, message)
            case .maintenance(let page):
                self.respondWithMaintenance(page)
            case .discardingRequest:
                self.phase = .idle
                self.lastActive = self.now()
                if self.quiescing {
                    self.context?.close(promise: nil)
                } else {
                    self.processQueued()
                }
            case .idle, .tunneling, .closed:
                break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.backendNeedsFlush {
            self.backendNeedsFlush = false
            self.connection?.flush()
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if !self.queued.isEmpty {
            self.readPending = true
            return
        }
        switch self.phase {
        case .connecting:
            self.readPending = true
        case .proxying where self.awaitingUpgradeAnswer || !(self.connection?.isWritable ?? true),
            .tunneling where !(self.connection?.isWritable ?? true):
            self.readPending = true
        default:
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.clientWritable = context.channel.isWritable
        if self.clientWritable {
            self.connection?.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.abandonExchange()
        self.queued.removeAll()
        self.phase = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Anything (reset by peer, ...) leaves the connection unusable.
        self.logger.trace("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.quiesce()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Sends the response bytes written so far, at the end of this event-loop tick (see TickFlusher).
    func flushClient() {
        guard !self.clientFlushQueued else { return }
        self.clientFlushQueued = true
        self.pool.flusher.flushAtEndOfTick(self)
    }

    func flushNow() {
        self.clientFlushQueued = false
        guard let context = self.context else { return }
        self.clientOutput.writeAndFlush(to: context)
    }

    /// Resumes client reads that were held for backpressure (unless pipelined requests still wait).
    func resumeClientReads() {
        guard self.readPending, self.queued.isEmpty, let context = self.context else { return }
        self.readPending = false
        context.read()
    }

    // MARK: Routing

    private func requestHeadReceived(_ head: ClientRequestHead) {
        self.exchangeID &+= 1
        self.request = head
        self.requestEnded = false
        self.requestHadBody = false
        self.responseStarted = false
        self.attempts = 0
        self.clientKeepAlive = head.isKeepAlive && !self.quiescing
        self.upgradeRequested = head.isUpgrade && !self.quiescing
        self.requestStart = self.now()
        self.metricsRoute = nil

        if let keyAuthorization = self.challengeTokens.answer(to: head) {
            // An ACME HTTP-01 check: answered (200, once the request is read) by the router itself.
            self.phase = .rejecting(.ok, keyAuthorization)
            return
        }
        if self.role.redirect != nil, let location = self.httpsRedirectLocation(for: head) {
            self.redirectLocation = location
            self.phase = .rejecting(.permanentRedirect, "slipway: this site is served over HTTPS: \(location)")
            return
        }
        let generation = self.routes.generation
        let route: ServiceRoute?
        if generation == self.cachedGeneration && head.host == self.cachedHost {
            route = self.cachedRoute
        } else {
            route = self.routes.snapshot.route(forHost: head.hostString)
            (self.cachedGeneration, self.cachedHost, self.cachedRoute) = (generation, head.host, route)
        }
        guard let route else {
            let host = head.hostString
            let shown = host.isEmpty ? "(no Host header)" : RouteTable.normalize(host)
            self.phase = .rejecting(.badGateway, "slipway: no app is routed at \(shown)")
            return
        }
        self.metricsRoute = route
        if let page = route.maintenance {
            self.phase = .maintenance(page)
            return
        }
        guard !route.backends.isEmpty else {
            self.phase = .rejecting(
                .serviceUnavailable,
                route.service.isEmpty ? "slipway: \(route.app) has no ready replicas"
                    : "slipway: \(route.app) has no ready replicas (service \(route.service))")
            return
        }
        self.route = route
        self.backendRequestBuffer.clear()
        self.backendRequest = ProxyHeaders.encodedBackendRequest(
            from: head, clientIP: self.clientIP, trustedPeer: self.clientIsTrustedProxy, scheme: self.role.scheme,
            into: &self.backendRequestBuffer, forwardedLines: &self.forwardedLines)
        self.dispatch(excluding: nil)
    }

    /// Sends the current request to the next backend of its route, on a pooled or new connection.
    func dispatch(excluding failed: Backend?) {
        guard let route = self.route else { return }
        self.attempts += 1
        let state = self.pool.pickBackend(route, excluding: failed)
        self.backendState = state
        self.pool.beginRequest(state)
        if let connection = self.pool.takeIdle(state) {
            self.attach(connection)
            return
        }
        self.phase = .connecting
        let exchangeID = self.exchangeID
        self.pool.connect(state).assumeIsolated().whenComplete { result in
            self.connectCompleted(result, exchangeID: exchangeID, state: state)
        }
    }

    private func connectCompleted(
        _ result: Result<any Channel, any Error>,
        exchangeID: UInt64,
        state: BackendConnectionPool.BackendState
    ) {
        let connection: BackendConnection
        do {
            connection = try self.pool.adopt(try result.get(), state: state)
        } catch {
            guard exchangeID == self.exchangeID, self.phase == .connecting else { return }
            self.logger.debug(
                "could not connect to backend",
                metadata: ["router.backend": "\(state.backend)", "error": "\(error)"])
            self.pool.eject(state.backend)
            self.backendFailed(retryable: true)
            return
        }
        guard exchangeID == self.exchangeID, self.phase == .connecting else {
            // The client left (or the exchange ended) while we connected: keep the fresh connection.
            self.pool.release(connection, state)
            return
        }
        self.attach(connection)
    }

    private func attach(_ connection: BackendConnection) {
        guard let request = self.backendRequest else { return }
        self.connection = connection
        connection.exchange = self
        self.phase = .proxying
        connection.startRequest(request)
        while let part = self.pending.popFirst() {
            connection.write(part)
        }
        connection.flush()
        if self.requestEnded { self.requestFullySent() } else { self.extendDeadline() }
        if connection.isWritable { self.resumeClientReads() }
    }
}
