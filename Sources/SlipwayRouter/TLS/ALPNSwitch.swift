import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOTLS

/// Sits behind the TLS handler of each HTTPS connection and, once the handshake has chosen the
/// protocol (ALPN), leaves the connection to the `ProxyServerHandler` behind it (`http/1.1`, or
/// no ALPN) or turns it into HTTP/2 (`h2`): the proxy handler goes, NIOHTTP2 takes the bytes, and
/// each stream gets a proxy handler of its own behind an `HTTP2StreamBridge`.
///
/// Until then the proxy handler's header timeout, counted from the accept, bounds the handshake.
/// An HTTP/2 connection is closed after `idleTimeout` without a byte either way (streams have the
/// proxy handler's own timeouts).
final class ALPNSwitch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Makes the proxy handler of one HTTP/2 stream (on the connection's event loop).
    private let makeStreamHandler: @Sendable (any Channel) -> ProxyServerHandler
    private let idleTimeout: TimeAmount
    private var isHTTP2 = false
    private var lastActive = NIODeadline.now()

    init(idleTimeout: TimeAmount, makeStreamHandler: @escaping @Sendable (any Channel) -> ProxyServerHandler) {
        self.idleTimeout = idleTimeout
        self.makeStreamHandler = makeStreamHandler
    }

    static let protocols = ["h2", "http/1.1"]

    /// NIOHTTP2's defaults, and extended CONNECT (RFC 8441): clients may open WebSockets as streams.
    static let connectionConfiguration: NIOHTTP2Handler.ConnectionConfiguration = {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings.append(HTTP2Setting(parameter: .enableConnectProtocol, value: 1))
        return configuration
    }()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case TLSUserEvent.handshakeCompleted(let negotiated) = event else {
            return context.fireUserInboundEventTriggered(event)
        }
        guard negotiated == "h2" else {
            // HTTP/1.1: nothing more to do here, and every read and write of the connection would
            // pass through this handler for nothing.
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        do {
            try self.switchToHTTP2(context: context)
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func switchToHTTP2(context: ChannelHandlerContext) throws {
        let pipeline = context.pipeline.syncOperations
        let proxy = try pipeline.handler(type: ProxyServerHandler.self)
        pipeline.removeHandler(proxy, promise: nil)
        let makeStreamHandler = self.makeStreamHandler
        _ = try pipeline.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: Self.connectionConfiguration, streamConfiguration: .init(),
            position: .last  // the proxy handler is gone: we are last
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let operations = stream.pipeline.syncOperations
                try operations.addHandler(WebSocketOverHTTP2())
                try operations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try operations.addHandler(HTTP2StreamBridge())
                try operations.addHandler(makeStreamHandler(stream))
            }
        }
        self.isHTTP2 = true
        self.lastActive = .now()
        self.scheduleIdleCheck(context: context)
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        loop.scheduleTask(in: self.idleTimeout) {
            guard context.channel.isActive else { return }
            if NIODeadline.now() - self.lastActive >= self.idleTimeout {
                context.close(promise: nil)
            } else {
                self.scheduleIdleCheck(context: context)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.isHTTP2 { self.lastActive = .now() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if self.isHTTP2 { self.lastActive = .now() }
        context.write(data, promise: promise)
    }
}

extension ProxyServerHandler: RemovableChannelHandler {}
