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
///
/// This file holds its state and the connection's start; the client's events and output are in
/// ProxyServerHandler+Client.swift, routing a request to a backend in ProxyServerHandler+Routing.swift.
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
    var clientWritable = true
    /// The time of the client read event being handled (nil outside one): a request head and its
    /// end usually arrive in one read, and each wants the time (start, deadlines).
    var eventTime: NIODeadline?
    var clientIP: String?
    /// The peer is a proxy in --trusted-proxy: its X-Forwarded-* headers are kept.
    var clientIsTrustedProxy = false
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
    var cachedGeneration = -1
    var cachedHost: ByteBuffer?
    var cachedRoute: ServiceRoute?

    // The current exchange.
    var request: ClientRequestHead?
    /// The request head as sent to backends (again on a retry).
    var backendRequest: BackendRequest?
    /// The storage `backendRequest` heads are written into, reused from one request to the next
    /// (no allocation once the previous head has been written out and let go of).
    var backendRequestBuffer = ByteBuffer()
    var forwardedLines = ProxyHeaders.ForwardedLines()
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
    let clientOutput = OutputCoalescer()
    var clientFlushQueued = false
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
}
