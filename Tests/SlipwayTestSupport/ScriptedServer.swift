import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import TestPorts

/// An in-process HTTP(S) stand-in for a Kubernetes API server that answers from a script and records every request, so a
/// test can assert exactly what the client sent (method, path, query, headers, body).
package final class ScriptedServer: Sendable {
    package struct Response: Sendable {
        package var status: HTTPResponseStatus
        package var contentType = "application/json"
        /// Written and flushed one by one, `chunkDelay` apart (a streamed body).
        package var chunks: [String]
        package var chunkDelay: TimeAmount = .milliseconds(20)

        package init(status: HTTPResponseStatus, contentType: String = "application/json", chunks: [String],
                     chunkDelay: TimeAmount = .milliseconds(20)) {
            self.status = status
            self.contentType = contentType
            self.chunks = chunks
            self.chunkDelay = chunkDelay
        }

        package static func json(_ status: HTTPResponseStatus = .ok, _ body: String) -> Response {
            Response(status: status, chunks: [body])
        }

        /// 200 with a JSON body.
        package static func ok(_ body: String) -> Response { json(.ok, body) }

        /// A Status object like the API server's error answers.
        package static func status(_ code: Int, reason: String, message: String, details: String = "{}") -> Response {
            .json(
                HTTPResponseStatus(statusCode: code),
                #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)","details":\#(details),"code":\#(code)}"#
            )
        }
    }

    package struct Request: Sendable {
        package var method: String
        package var uri: String
        package var headers: [(String, String)]
        package var body: [UInt8]

        package var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        /// Query items, percent-decoded.
        package var query: [String: String] {
            guard let components = URLComponents(string: "http://x\(uri)") else { return [:] }
            var items: [String: String] = [:]
            for item in components.queryItems ?? [] { items[item.name] = item.value ?? "" }
            return items
        }
        package func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        package var bodyJSON: String { String(decoding: body, as: UTF8.self) }
    }

    private struct State {
        var script: [Response] = []
        var requests: [Request] = []
    }

    private let state = NIOLockedValueBox(State())
    private let channel: any Channel
    package let port: Int

    /// Starts listening on 127.0.0.1 on a free port; with `tls`, every connection is TLS.
    package init(tls: TLSConfiguration? = nil) async throws {
        let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }
        let box = state
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(state: box))
                }
            }
            .bind(host: "127.0.0.1", port: TestPorts.next()).get()
        port = channel.localAddress?.port ?? 0
    }

    package var url: String { "http://127.0.0.1:\(port)" }

    /// Queues the answers to the next requests, in order.
    package func script(_ responses: Response...) {
        state.withLockedValue { $0.script += responses }
    }

    package var requests: [Request] { state.withLockedValue { $0.requests } }

    package func stop() async throws {
        try await channel.close()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: NIOLockedValueBox<State>
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(state: NIOLockedValueBox<State>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                let request = Request(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
                let response = state.withLockedValue { state -> Response in
                    state.requests.append(request)
                    return state.script.isEmpty
                        ? .status(500, reason: "InternalError", message: "the test scripted no answer to \(head.method) \(head.uri)")
                        : state.script.removeFirst()
                }
                respond(response, context: context)
            }
        }

        private func respond(_ response: Response, context: ChannelHandlerContext) {
            var headers = HTTPHeaders([("Content-Type", response.contentType)])
            if response.chunks.count == 1 {
                headers.add(name: "Content-Length", value: String(response.chunks[0].utf8.count))
            } else {
                headers.add(name: "Transfer-Encoding", value: "chunked")
            }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
            context.flush()
            let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            func send(_ index: Int) {
                let context = loopContext.value
                guard index < response.chunks.count else {
                    context.writeAndFlush(handler.value.wrapOutboundOut(.end(nil)), promise: nil)
                    return
                }
                let buffer = context.channel.allocator.buffer(string: response.chunks[index])
                context.writeAndFlush(handler.value.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                if response.chunks.count == 1 {
                    send(index + 1)
                } else {
                    context.eventLoop.scheduleTask(in: response.chunkDelay) { send(index + 1) }
                }
            }
            send(0)
        }
    }
}
