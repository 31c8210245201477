import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TestPorts

/// A tiny real HTTP server standing in for an app replica.
///
/// Paths: `/` answers its name; `/headers` echoes the request headers as `name: value` lines;
/// `/upload` answers `BYTES CHECKSUM` of the request body; `/download?bytes=N` streams N bytes of
/// `TestPattern`; `/sleep?ms=N` answers after N ms; `/close` answers with `Connection: close`;
/// `/stall` stops reading the request (body) and never answers; `/drop` closes without answering.
/// Every response carries `x-backend: NAME`.
final class TestBackend: Sendable {
    let name: String
    let port: Int
    private let channel: any Channel
    private let stats: Locked<Stats>

    struct Stats {
        var connections = 0
        var requests = 0
        var downloadBytesSent = 0
        var children: [ObjectIdentifier: any Channel] = [:]
    }

    var connections: Int { self.stats.withLockedValue { $0.connections } }
    /// Connections open now (the router's pooled ones among them).
    var openConnections: Int { self.stats.withLockedValue { $0.children.count } }
    var requests: Int { self.stats.withLockedValue { $0.requests } }
    /// Bytes of `/download` bodies handed to the socket so far.
    var downloadBytesSent: Int { self.stats.withLockedValue { $0.downloadBytesSent } }

    static func start(name: String) async throws -> TestBackend {
        let stats = Locked(Stats())
        let channel = try await TestPorts.withFreePort { port in
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let id = ObjectIdentifier(channel)
                        stats.withLockedValue {
                            $0.connections += 1
                            $0.children[id] = channel
                        }
                        channel.closeFuture.whenComplete { _ in
                            stats.withLockedValue { _ = $0.children.removeValue(forKey: id) }
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(TestBackendHandler(name: name, stats: stats))
                    }
                }
                .bind(host: "127.0.0.1", port: port).get()
        }
        return TestBackend(name: name, channel: channel, stats: stats)
    }

    private init(name: String, channel: any Channel, stats: Locked<Stats>) {
        self.name = name
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.stats = stats
    }

    /// Stops listening and drops every open connection, like a killed replica.
    func stop() async {
        try? await self.channel.close()
        for child in self.stats.withLockedValue({ Array($0.children.values) }) {
            try? await child.close()
        }
    }
}

/// Deterministic bytes and an order-sensitive checksum (FNV-1a 64) for body-integrity tests.
enum TestPattern {
    static let chunkSize = 64 * 1024
    private static let block: [UInt8] = (0..<chunkSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

    /// Chunk `index` of a pattern stream: a fixed block stamped with its index, so order matters.
    static func chunk(index: Int, count: Int = chunkSize) -> ByteBuffer {
        var buffer = ByteBuffer(bytes: self.block[0..<count])
        if count >= 8 { buffer.setInteger(UInt64(index), at: 0) }
        return buffer
    }

    struct Checksum {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        var count = 0

        mutating func update(_ buffer: ByteBuffer) {
            buffer.withUnsafeReadableBytes { bytes in
                var value = self.value
                for byte in bytes {
                    value = (value ^ UInt64(byte)) &* 0x100_0000_01b3
                }
                self.value = value
            }
            self.count += buffer.readableBytes
        }

        var summary: String { "\(self.count) \(String(self.value, radix: 16))" }
    }
}

private final class TestBackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let name: String
    let stats: Locked<TestBackend.Stats>
    private var head: HTTPRequestHead?
    private var checksum = TestPattern.Checksum()
    private var download: (sent: Int, total: Int)?

    init(name: String, stats: Locked<TestBackend.Stats>) {
        self.name = name
        self.stats = stats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.checksum = TestPattern.Checksum()
            self.stats.withLockedValue { $0.requests += 1 }
            if head.uri == "/stall" {
                context.channel.setOption(.autoRead, value: false).whenComplete { _ in }
            } else if head.uri == "/drop" {
                context.close(promise: nil)
            }
        case .body(let buffer):
            self.checksum.update(buffer)
        case .end:
            guard let head = self.head else { return }
            self.respond(to: head, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.continueDownload(context: context) }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? "/"
        let query = Self.query(head.uri)
        switch path {
        case "/headers":
            let text = head.headers.map { "\($0.name.lowercased()): \($0.value)" }.joined(separator: "\n")
            self.send(text, context: context)
        case "/upload":
            self.send(self.checksum.summary, context: context)
        case "/download":
            var headers = HTTPHeaders([("x-backend", self.name)])
            let total = Int(query["bytes"] ?? "") ?? 0
            if query["chunked"] == nil { headers.add(name: "content-length", value: String(total)) }
            context.write(self.wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            self.download = (0, total)
            self.continueDownload(context: context)
        case "/sleep":
            let ms = Int64(query["ms"] ?? "") ?? 0
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(ms)) {
                let (handler, context) = loopBound.value
                handler.send(handler.name, context: context)
            }
        case "/close":
            self.send(self.name, context: context, close: true)
        default:
            self.send(self.name, context: context)
        }
    }

    private func continueDownload(context: ChannelHandlerContext) {
        // Re-entrant: a flush can fire channelWritabilityChanged, so progress is stored before writing.
        while let download = self.download, download.sent < download.total, context.channel.isWritable {
            let count = min(TestPattern.chunkSize, download.total - download.sent)
            self.download = (download.sent + count, download.total)
            self.stats.withLockedValue { $0.downloadBytesSent += count }
            let chunk = TestPattern.chunk(index: download.sent / TestPattern.chunkSize, count: count)
            context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
        }
        if let download = self.download, download.sent >= download.total {
            self.download = nil
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private func send(_ text: String, context: ChannelHandlerContext, close: Bool = false) {
        var headers = HTTPHeaders([("x-backend", self.name), ("content-length", String(text.utf8.count))])
        if close { headers.add(name: "connection", value: "close") }
        context.write(self.wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        let done = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
        if close {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }

    private static func query(_ uri: String) -> [String: String] {
        guard let q = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var result: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}

/// A value behind a lock, for state shared between the test and its servers' event loops.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    @discardableResult
    func withLockedValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        self.lock.lock()
        defer { self.lock.unlock() }
        return try body(&self.value)
    }
}
