import NIOCore
import NIOHTTP1

/// Lets `ProxyServerHandler`, which speaks HTTP/1.1 bytes, serve one HTTP/2 stream: the request
/// (decoded from HTTP/2 frames into `HTTPServerRequestPart`s by NIOHTTP2's codec) becomes HTTP/1.1
/// bytes, and the response bytes it writes are framed back into parts. So an HTTP/2 request gets
/// everything an HTTP/1.1 one does (routing, pooled HTTP/1.1 backends, retries, timeouts, headers,
/// metrics) from the same code. A WebSocket over HTTP/2 (RFC 8441, see `WebSocketOverHTTP2`) is
/// the same handshake and tunnel as over HTTP/1.1: its 101 becomes the stream's 200, then the
/// stream's DATA and the tunnel's bytes are relayed as they are.
final class HTTP2StreamBridge: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTPServerResponsePart

    /// A head waits for the next part: whether a body follows decides its framing.
    private var pendingHead: HTTPRequestHead?
    private var chunkedBody = false
    private var responses = ResponseFramer()
    private var responseBytes: ByteBuffer?
    /// `requested`: the stream is a WebSocket handshake (rewritten by `WebSocketOverHTTP2`);
    /// `open`: the backend accepted it, and bytes pass unframed both ways.
    private var tunnel = Tunnel.none
    /// The tunnel's END_STREAM is out and the stream waits for the client's end (see `close`).
    private var lingering = false

    /// How long an ended tunnel's stream waits for the client to end its side before it is reset.
    static let lingerAfterEnd: TimeAmount = .seconds(2)

    private enum Tunnel {
        case none, requested, open
    }

    // MARK: Request: parts -> HTTP/1.1 bytes

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head) where Self.isWebSocketHandshake(head):
            // No body framing: once the backend answers 101, what follows is the tunnel's.
            self.tunnel = .requested
            self.responses.expectResponse(toHEAD: false)
            self.emit(head, chunked: false, context: context)
        case .body(let body) where self.tunnel != .none:
            context.fireChannelRead(self.wrapInboundOut(body))
        case .end where self.tunnel != .none:
            break  // the client sends no more; WebSocket's own close ends the tunnel
        case .head(let head):
            self.pendingHead = head
            self.responses.expectResponse(toHEAD: head.method == .HEAD)
        case .body(let body):
            if let head = self.pendingHead {
                // HTTP/2 frames the body itself; HTTP/1.1 needs a length or chunks. NIOHTTP2's codec
                // already says `transfer-encoding: chunked` for a body without a length.
                let saysChunked = head.headers.contains(name: "transfer-encoding")
                self.chunkedBody = saysChunked || !head.headers.contains(name: "content-length")
                self.emit(head, chunked: self.chunkedBody && !saysChunked, context: context)
            }
            guard body.readableBytes > 0 else { return }
            if self.chunkedBody {
                var chunk = context.channel.allocator.buffer(capacity: body.readableBytes + 16)
                chunk.writeString(String(body.readableBytes, radix: 16))
                chunk.writeStaticString("\r\n")
                chunk.writeImmutableBuffer(body)
                chunk.writeStaticString("\r\n")
                context.fireChannelRead(self.wrapInboundOut(chunk))
            } else {
                context.fireChannelRead(self.wrapInboundOut(body))
            }
        case .end:
            if let head = self.pendingHead {
                self.emit(head, chunked: false, context: context)
            } else if self.chunkedBody {
                context.fireChannelRead(self.wrapInboundOut(ByteBuffer(staticString: "0\r\n\r\n")))
            }
            self.chunkedBody = false
        }
    }

    /// `chunked`: add `transfer-encoding: chunked` (the body will be sent in chunks).
    private func emit(_ head: HTTPRequestHead, chunked: Bool, context: ChannelHandlerContext) {
        self.pendingHead = nil
        var bytes = context.channel.allocator.buffer(capacity: 512)
        bytes.writeString("\(head.method.rawValue) \(head.uri) HTTP/1.1\r\n")
        var cookies: [String] = []
        for (name, value) in head.headers {
            // HTTP/2 splits cookies into several fields; HTTP/1.1 wants one (RFC 9113 8.2.3).
            if name.asciiEquals("cookie") { cookies.append(value); continue }
            bytes.writeString("\(name): \(value)\r\n")
        }
        if !cookies.isEmpty { bytes.writeString("cookie: \(cookies.joined(separator: "; "))\r\n") }
        if chunked { bytes.writeStaticString("transfer-encoding: chunked\r\n") }
        bytes.writeStaticString("\r\n")
        context.fireChannelRead(self.wrapInboundOut(bytes))
    }

    /// The handshake `WebSocketOverHTTP2` made of an extended CONNECT (a client cannot send
    /// `Upgrade` over HTTP/2 itself: NIOHTTP2 refuses it).
    private static func isWebSocketHandshake(_ head: HTTPRequestHead) -> Bool {
        head.method == .GET && head.headers.first(name: "upgrade")?.lowercased() == WebSocketOverHTTP2.upgradeValue
    }

    // MARK: Response: HTTP/1.1 bytes -> parts

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = self.unwrapOutboundIn(data)
        if self.tunnel == .open {
            self.forwardTunnel(buffer, context: context, promise: promise)
            return
        }
        if var held = self.responseBytes {
            held.writeBuffer(&buffer)
            buffer = held
            self.responseBytes = nil
        }
        do {
            while let event = try self.responses.next(&buffer) {
                self.forward(event, context: context)
                if self.tunnel == .open {  // the rest is the new protocol's
                    self.forwardTunnel(buffer, context: context, promise: promise)
                    return
                }
            }
        } catch {
            context.fireErrorCaught(error)
            promise?.fail(error)
            return
        }
        if buffer.readableBytes > 0 { self.responseBytes = buffer }
        promise?.succeed()
    }

    /// Tunnel bytes as the stream's DATA.
    private func forwardTunnel(_ buffer: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard buffer.readableBytes > 0 else {
            promise?.succeed()
            return
        }
        context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: promise)
    }

    /// The tunnel ends with the stream's END_STREAM, not a reset: closing a stream channel that
    /// the client has not ended resets it (RST_STREAM), and a reset can overtake the last DATA in
    /// the client (Chromium then reports the WebSocket closed abnormally, 1006, though the app's
    /// close frame was sent). So the stream stays until the client ends its side too, which
    /// closes it; a client that never does is reset after `lingerAfterEnd`.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard self.tunnel == .open, mode == .all, !self.lingering else {
            return context.close(mode: mode, promise: promise)
        }
        self.lingering = true
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        let reset = context.value.eventLoop.scheduleTask(in: Self.lingerAfterEnd) {
            context.value.close(mode: .all, promise: nil)
        }
        context.value.channel.closeFuture.whenComplete { _ in
            reset.cancel()
            promise?.succeed()
        }
    }

    private func forward(_ event: ResponseFramer.Event, context: ChannelHandlerContext) {
        switch event {
        case .complete(let head, _) where self.tunnel == .requested && head.status == .switchingProtocols:
            // RFC 8441 section 5: the extended CONNECT's success is a 2xx, not a 101.
            var accepted = Self.responseHead(head)
            accepted.status = .ok
            accepted.headers.remove(name: "sec-websocket-accept")
            context.write(self.wrapOutboundOut(.head(accepted)), promise: nil)
            self.tunnel = .open
        case .complete(let head, let message):
            guard !head.isInterim else { return }
            self.tunnel = .none  // an upgrade refused: an ordinary response
            context.write(self.wrapOutboundOut(.head(Self.responseHead(head))), promise: nil)
            let bodyLength = message.readableBytes - head.raw.readableBytes
            if bodyLength > 0 {
                let body = message.getSlice(at: message.readerIndex + head.raw.readableBytes, length: bodyLength)!
                context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            }
            context.write(self.wrapOutboundOut(.end(nil)), promise: nil)
        case .head(let head):
            // 1xx interim answers are dropped: the final response follows.
            guard !head.isInterim else { return }
            self.tunnel = .none
            context.write(self.wrapOutboundOut(.head(Self.responseHead(head))), promise: nil)
        case .body(let body):
            context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        case .end:
            context.write(self.wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// The head without what HTTP/2 forbids (connection-specific fields, RFC 9113 8.2.2).
    private static func responseHead(_ head: BackendResponseHead) -> HTTPResponseHead {
        var parsed = head.parsed
        for name in ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"] {
            parsed.headers.remove(name: name)
        }
        parsed.version = .http1_1
        return parsed
    }
}
