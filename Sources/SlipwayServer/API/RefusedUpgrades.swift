import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import NIOHTTPTypes
import SlipwayCore

/// A refused WebSocket upgrade answers like every other refusal of the API: the status and
/// `{"error": {"code", "message"}}` saying why (a foreign Origin: 403 cross_origin; no such app:
/// 404). hummingbird-websocket answers any refused upgrade itself with an empty 400 and no hook,
/// so the WebSocket router records the refusal for its connection (`RefusedUpgradeRecorder`), and
/// a handler on that connection (`RefusedUpgradeAnswer`) puts it in place of the empty answer.
final class RefusedUpgrades: @unchecked Sendable {
    struct Refusal: Sendable {
        var status: HTTPResponse.Status
        var body: ByteBuffer
    }

    private let lock = NSLock()
    private var byConnection: [ObjectIdentifier: Refusal] = [:]

    func record(_ refusal: Refusal, on channel: any Channel) {
        let key = ObjectIdentifier(channel)
        lock.withLock { byConnection[key] = refusal }
        // Not answered (the connection closed first): forgotten with it.
        channel.closeFuture.whenComplete { [self] _ in _ = take(key) }
    }

    func take(_ key: ObjectIdentifier) -> Refusal? {
        lock.withLock { byConnection.removeValue(forKey: key) }
    }

    /// The handlers each API connection gets (after the HTTP codec).
    func channelHandlers() -> [any RemovableChannelHandler] { [RefusedUpgradeAnswer(refusals: self)] }
}

/// The WebSocket router's request context: Hummingbird's, and the connection it came on.
struct WebSocketUpgradeContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

/// Outermost middleware of the WebSocket router: an error on the way to an upgrade (a guard, a
/// bad session, no such route) is recorded as the connection's answer, then passed on.
struct RefusedUpgradeRecorder: RouterMiddleware {
    typealias Context = WebSocketUpgradeContext
    let refusals: RefusedUpgrades

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, failure) = ErrorMiddleware<Context>.describe(error, request: request, logger: context.logger)
            let body = ByteBuffer(bytes: try JSONResponse.encoder.encode(ErrorBody(failure)))
            refusals.record(.init(status: status, body: body), on: context.channel)
            throw error
        }
    }
}

/// Replaces the empty 400 hummingbird-websocket writes for a refused upgrade with the recorded answer.
final class RefusedUpgradeAnswer: ChannelOutboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let refusals: RefusedUpgrades
    private var body: ByteBuffer?

    init(refusals: RefusedUpgrades) { self.refusals = refusals }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status == .badRequest && head.headerFields[.contentLength] == "0":
            if let refusal = refusals.take(ObjectIdentifier(context.channel)) {
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                fields[.contentLength] = String(refusal.body.readableBytes)
                fields[.connection] = "close"
                body = refusal.body
                context.write(wrapOutboundOut(.head(HTTPResponse(status: refusal.status, headerFields: fields))), promise: promise)
                return
            }
        case .end(let trailers):
            if let pending = body {
                body = nil
                context.write(wrapOutboundOut(.body(pending)), promise: nil)
                context.write(wrapOutboundOut(.end(trailers)), promise: promise)
                return
            }
        default:
            break
        }
        context.write(data, promise: promise)
    }
}
