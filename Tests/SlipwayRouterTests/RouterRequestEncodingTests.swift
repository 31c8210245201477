import FoundationEssentials
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import SlipwayRouter
import TestPorts

/// Request heads (and chunked request bodies) are serialized by the router itself, not by NIO's
/// HTTPRequestEncoder: the bytes a backend receives, exactly.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterRequestEncodingTests {
    /// The backend's head for the client's head `text`.
    private static func encoded(_ text: String, clientIP: String? = "192.0.2.1") throws -> (String, BackendRequest) {
        let head = try ClientRequestHead(raw: ByteBuffer(string: text))
        var buffer = ByteBuffer()
        var forwarded = ProxyHeaders.ForwardedLines()
        let request = ProxyHeaders.encodedBackendRequest(
            from: head, clientIP: clientIP, into: &buffer, forwardedLines: &forwarded)
        return (String(buffer: request.head), request)
    }

    @Test func keepsHeaderCasingOrderAndDuplicates() throws {
        let client =
            "GET /a?b=c%20d HTTP/1.1\r\nHost: a.localhost\r\nX-Dup: 1\r\nACCEPT: */*\r\nx-dup:2\r\n"
            + "Expect: 100-continue\r\nContent-Length: 0\r\n\r\n"
        let (text, request) = try Self.encoded(client)
        #expect(
            text
                == "GET /a?b=c%20d HTTP/1.1\r\nHost: a.localhost\r\nX-Dup: 1\r\nACCEPT: */*\r\nx-dup:2\r\n"
                + "Expect: 100-continue\r\nContent-Length: 0\r\nx-forwarded-for: 192.0.2.1\r\n"
                + "x-real-ip: 192.0.2.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: a.localhost\r\n\r\n")
        #expect(!request.isChunked && !request.isHEAD)
        // The same headers as the HTTPRequestHead that the slow path (backendRequest) builds.
        let slow = ProxyHeaders.backendRequest(
            from: try ClientRequestHead(raw: ByteBuffer(string: client)).parsed, clientIP: "192.0.2.1")
        #expect(slow.uri == "/a?b=c%20d" && slow.method == .GET)
        #expect(slow.headers.map { "\($0.name): \($0.value)" } == [
            "Host: a.localhost", "X-Dup: 1", "ACCEPT: */*", "x-dup: 2", "Expect: 100-continue", "Content-Length: 0",
            "x-forwarded-for: 192.0.2.1", "x-real-ip: 192.0.2.1", "x-forwarded-proto: http", "x-forwarded-host: a.localhost",
        ])
    }

    @Test func forwardedLinesFollowTheHostFromOneRequestToTheNext() throws {
        var forwarded = ProxyHeaders.ForwardedLines()
        var texts: [String] = []
        for host in ["a.localhost", "a.localhost", "b.localhost"] {
            var buffer = ByteBuffer()
            let head = try ClientRequestHead(raw: ByteBuffer(string: "GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n"))
            let request = ProxyHeaders.encodedBackendRequest(
                from: head, clientIP: "192.0.2.7", into: &buffer, forwardedLines: &forwarded)
            texts.append(String(buffer: request.head))
        }
        #expect(texts == ["a.localhost", "a.localhost", "b.localhost"].map {
            "GET / HTTP/1.1\r\nHost: \($0)\r\nx-forwarded-for: 192.0.2.7\r\nx-real-ip: 192.0.2.7\r\nx-forwarded-proto: http\r\n"
                + "x-forwarded-host: \($0)\r\n\r\n"
        })
    }

    @Test func rewritesHopByHopAndForwardedHeadersAndKeepsChunking() throws {
        let (text, request) = try Self.encoded(
            "POST /up HTTP/1.0\r\nhost: b.localhost\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
                + "Transfer-Encoding: chunked\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Host: evil\r\n\r\n",
            clientIP: nil)
        #expect(
            text
                == "POST /up HTTP/1.1\r\nhost: b.localhost\r\ntransfer-encoding: chunked\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-host: b.localhost\r\n\r\n")
        #expect(request.isChunked)

        let headRequest = try Self.encoded("HEAD / HTTP/1.1\r\nHost: c\r\n\r\n").1
        #expect(headRequest.isHEAD)
        let custom = try Self.encoded("PURGE * HTTP/1.0\r\n\r\n")
        #expect(custom.0 == "PURGE * HTTP/1.1\r\nx-forwarded-for: 192.0.2.1\r\nx-real-ip: 192.0.2.1\r\nx-forwarded-proto: http\r\n\r\n")
    }

    @Test func relaysChunkedBodiesWithTrailersAndLengthBodies() async throws {
        let backend = try await RecordingBackend.start()
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "enc", services: ["web": [Backend(port: backend.port)]], defaultService: "web")
        let client = try await RawClient.connect(port: harness.port)

        try await client.send(
            "POST /c HTTP/1.1\r\nHost: enc.localhost\r\nTransfer-Encoding: chunked\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n"
                + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")
        #expect(await eventually { client.text.hasSuffix("ok") })
        #expect(
            backend.received
                == "POST /c HTTP/1.1\r\nHost: enc.localhost\r\nX-Dup: 1\r\nx-dup: 2\r\ntransfer-encoding: chunked\r\n"
                + "x-forwarded-for: 127.0.0.1\r\nx-real-ip: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: enc.localhost\r\n\r\n"
                + "5\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")

        backend.reset()
        try await client.send("PUT /l HTTP/1.1\r\nHost: enc.localhost\r\nContent-Length: 5\r\n\r\nhello")
        #expect(await eventually { client.text.components(separatedBy: "HTTP/1.1 200 OK").count == 3 })
        #expect(
            backend.received
                == "PUT /l HTTP/1.1\r\nHost: enc.localhost\r\nContent-Length: 5\r\nx-forwarded-for: 127.0.0.1\r\n"
                + "x-real-ip: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: enc.localhost\r\n\r\nhello")
        #expect(client.isOpen)

        await client.close()
        try await harness.shutdown()
        await backend.stop()
    }
}

/// A backend that records the raw bytes it receives and answers `200 ok` whenever they end a
/// request: an empty line after a chunked body's last chunk, or the 5-byte body "hello".
private final class RecordingBackend: Sendable {
    let port: Int
    private let channel: any Channel
    private let bytes: Locked<String>

    var received: String { self.bytes.withLockedValue { $0 } }
    func reset() { self.bytes.withLockedValue { $0 = "" } }

    static func start() async throws -> RecordingBackend {
        let bytes = Locked("")
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(bytes: bytes))
                }
            }
            .bind(host: "127.0.0.1", port: TestPorts.next()).get()
        return RecordingBackend(channel: channel, bytes: bytes)
    }

    private init(channel: any Channel, bytes: Locked<String>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.bytes = bytes
    }

    func stop() async {
        try? await self.channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let bytes: Locked<String>

        init(bytes: Locked<String>) { self.bytes = bytes }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = self.bytes.withLockedValue { text in
                text += String(buffer: self.unwrapInboundIn(data))
                return text
            }
            let chunkedDone = text.contains("\r\n0\r\n") && text.hasSuffix("\r\n\r\n")
            if chunkedDone || text.hasSuffix("\r\n\r\nhello") {
                context.writeAndFlush(
                    self.wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")), promise: nil)
            }
        }
    }
}
