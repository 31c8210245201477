import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2

/// WebSockets over HTTP/2 (RFC 8441): the router announces `SETTINGS_ENABLE_CONNECT_PROTOCOL`
/// (see `ALPNSwitch`), and a stream opened with the extended CONNECT (`:method CONNECT`,
/// `:protocol websocket`) becomes, for the proxy behind it, the HTTP/1.1 handshake backends know:
/// `GET` with `Upgrade: websocket`, `Connection: upgrade` and a `Sec-WebSocket-Key` of the router's
/// own (the client sends none over HTTP/2). `HTTP2StreamBridge` then answers the backend's 101 with
/// the 200 RFC 8441 asks for and relays the stream's DATA both ways as the tunnel's bytes.
///
/// Sits in each stream's pipeline before NIOHTTP2's HTTP/1 codec, which knows nothing of
/// `:protocol`. A client cannot produce the rewritten request any other way: NIOHTTP2 refuses
/// `Upgrade` and `Connection` fields in HTTP/2 requests before they reach a stream. Other
/// `:protocol` values are refused (501 comes from nothing here: the stream is reset).
final class WebSocketOverHTTP2: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    /// An extended CONNECT for another protocol than WebSocket: the stream is reset.
    struct UnsupportedProtocol: Error, CustomStringConvertible {
        var name: String
        var description: String { "an HTTP/2 extended CONNECT for :protocol \(name.prefix(40)); only websocket is relayed" }
    }

    /// The header the bridge recognizes the rewritten handshake by (with `upgrade: websocket`).
    static let upgradeValue = "websocket"

    /// One handshake per stream: whatever follows it is DATA (or trailers) and passes as it is.
    private var sawRequest = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = Self.unwrapInboundIn(data)
        guard !self.sawRequest, case .headers(var headers) = payload else {
            context.fireChannelRead(data)
            return
        }
        self.sawRequest = true
        guard headers.headers.first(name: ":method") == "CONNECT", let extended = headers.headers.first(name: ":protocol") else {
            context.fireChannelRead(data)
            return
        }
        guard extended.lowercased() == Self.upgradeValue else {
            context.fireErrorCaught(UnsupportedProtocol(name: extended))
            context.close(promise: nil)
            return
        }
        headers.headers = Self.handshake(from: headers.headers)
        context.fireChannelRead(Self.wrapInboundOut(.headers(headers)))
    }

    /// The extended CONNECT's fields as an HTTP/1.1 WebSocket handshake (RFC 8441 section 5).
    static func handshake(from connect: HPACKHeaders) -> HPACKHeaders {
        var headers = HPACKHeaders()
        for (name, value, indexing) in connect {
            switch name {
            case ":method": headers.add(name: ":method", value: "GET", indexing: indexing)
            case ":protocol": continue
            default: headers.add(name: name, value: value, indexing: indexing)
            }
        }
        headers.add(name: "upgrade", value: Self.upgradeValue)
        headers.add(name: "connection", value: "upgrade")
        headers.add(name: "sec-websocket-key", value: Data((0..<16).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString())
        return headers
    }
}
