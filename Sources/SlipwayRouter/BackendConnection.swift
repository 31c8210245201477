import NIOCore
import NIOHTTP1

/// The only handler of a pooled connection to a backend.
///
/// While leased, it writes the request as bytes (the head serialized by `ProxyHeaders`, the body
/// chunked here when the client's was; no HTTP encoder in this pipeline), frames the response
/// bytes (`ResponseFramer`, no HTTP decoder either) and hands them to the `ProxyServerHandler`
/// that owns the exchange (same event loop, direct calls), and holds back socket reads while that
/// client cannot take more bytes. While idle in the pool it only watches for the backend closing
/// the connection.
final class BackendConnection: ChannelDuplexHandler, TickFlushable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A part of the request after its head.
    enum BodyPart {
        case data(ByteBuffer)
        /// The end, with the raw trailer lines of a chunked request, if any.
        case end(trailers: ByteBuffer?)
    }

    /// The exchange currently using this connection; nil while idle.
    var exchange: ProxyServerHandler?
    /// Set by the pool when it hands the connection out; used while idle to leave the pool.
    private(set) var pool: BackendConnectionPool?
    private(set) var backendState: BackendConnectionPool.BackendState?
    /// Requests started on this connection; > 1 means it came from the pool (retry rules differ).
    private(set) var requestCount = 0
    /// When the connection last went back to the pool.
    var idleSince = NIODeadline.uptimeNanoseconds(0)
    private var context: ChannelHandlerContext?
    private var readPending = false
    private var framer = ResponseFramer()
    private var isChunked = false
    /// Written but not yet handed to the channel: small parts go out as one buffer per flush.
    private let output = OutputCoalescer()
    private var flushQueued = false
    /// After a 101 (Switching Protocols): bytes pass through both ways unframed until either side
    /// closes; the connection is never reused.
    private(set) var isTunnel = false

    /// Kept here rather than asked of the channel (the pool and the exchange ask on every request,
    /// and asking goes through the pipeline): set once connected, cleared on close.
    private(set) var isActive = false
    private var writable = true
    var isWritable: Bool { self.writable && self.isActive }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Called once connected (NIO completes the connect before it fires channelActive, so that
    /// event would come too late).
    func adopted(by pool: BackendConnectionPool, state: BackendConnectionPool.BackendState) {
        self.pool = pool
        self.backendState = state
        self.isActive = self.context?.channel.isActive ?? false
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Used by ProxyServerHandler

    func startRequest(_ request: BackendRequest) {
        self.requestCount += 1
        self.framer.expectResponse(toHEAD: request.isHEAD)
        self.isChunked = request.isChunked
        self.append(request.head)
    }

    func write(_ part: BodyPart) {
        switch part {
        case .data(let buffer):
            // Empty parts are skipped: an empty chunk would end a chunked body.
            guard buffer.readableBytes > 0, let context = self.context else { return }
            if self.isChunked {
                self.output.appendChunk(buffer, context: context)
            } else {
                self.output.append(buffer, context: context)
            }
        case .end(let trailers):
            guard self.isChunked else { return }  // trailers need chunked encoding; else dropped
            var last = ByteBuffer()
            last.writeStaticString("0\r\n")
            if var trailers { last.writeBuffer(&trailers) }
            last.writeStaticString("\r\n")
            self.append(last)
        }
    }

    /// The backend switched protocols: from now on its bytes go to the exchange as they come
    /// (`tunnelRead`), and `writeRaw` sends the client's.
    func startTunnel() {
        self.isTunnel = true
    }

    func writeRaw(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        self.append(buffer)
    }

    private func append(_ buffer: ByteBuffer) {
        guard let context = self.context else { return }
        self.output.append(buffer, context: context)
    }

    /// Sends what was written, at the end of this event-loop tick (see TickFlusher).
    func flush() {
        guard let flusher = self.pool?.flusher else { return self.flushNow() }
        guard !self.flushQueued else { return }
        self.flushQueued = true
        flusher.flushAtEndOfTick(self)
    }

    func flushNow() {
        self.flushQueued = false
        guard let context = self.context else { return }
        self.output.writeAndFlush(to: context)
    }

    func close() {
        self.isActive = false
        self.exchange = nil
        self.output.discard()
        self.context?.close(promise: nil)
    }

    /// The client drained its send buffer: let the backend's bytes flow again.
    func resumeReading() {
        guard self.readPending, let context = self.context else { return }
        self.readPending = false
        context.read()
    }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if self.isTunnel {
            self.exchange?.tunnelRead(buffer)
            return
        }
        do {
            while let exchange = self.exchange, let event = try self.framer.next(&buffer) {
                exchange.backendRead(event, from: self)
                if self.isTunnel {
                    // What came right after the 101 belongs to the new protocol already.
                    if buffer.readableBytes > 0 { exchange.tunnelRead(buffer) }
                    return
                }
            }
        } catch {
            // A malformed response: the connection is not reusable. The owner (if any) hears
            // about it through channelInactive.
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 {
            // Bytes nobody asked for (after the response, or while idle): out of sync, drop it.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.exchange?.backendReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.writable = context.channel.isWritable
        if self.writable {
            self.exchange?.backendBecameWritable()
        }
    }

    func read(context: ChannelHandlerContext) {
        if let exchange = self.exchange, !exchange.clientIsWritable {
            self.readPending = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed response or a socket error: the connection is not reusable. The owner (if any)
        // hears about it through channelInactive.
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isActive = false
        if let exchange = self.exchange, !self.isTunnel, let end = self.framer.finish() {
            exchange.backendRead(end, from: self)  // a body delimited by the connection's close
        }
        if let exchange = self.exchange {
            self.exchange = nil
            exchange.backendClosed(self)
        } else if let pool = self.pool, let state = self.backendState {
            pool.idleConnectionClosed(self, state)
        }
        context.fireChannelInactive()
    }
}
