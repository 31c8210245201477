// A reverse proxy on SwiftNIO channels and nothing else: the SwiftNIO floor of a Swift proxy.
// Same traffic limits as ../epoll-proxy (see ../README.md).
//
//   swift build -c release && .build/release/nio-proxy LISTEN_PORT BACKEND_PORT[,BACKEND_PORT...]
import Glibc
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
if arguments.count < 3 || Int(arguments[1]) == nil {
    fputs("usage: nio-proxy LISTEN_PORT BACKEND_PORT[,BACKEND_PORT...] [THREADS]\n", stderr)
    exit(2)
}
let listenPort = Int(arguments[1])!
let backends = arguments[2].split(separator: ",").map { try! SocketAddress(ipAddress: "127.0.0.1", port: Int($0)!) }
let threadCount = arguments.count > 3 ? Int(arguments[3]) ?? 2 : 2
let forwardedLines = "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: bench-router.localhost\r\n\r\n"

/// The end of a complete head at the start of `buffer` and its Content-Length, scanning line by line.
func completeHead(_ buffer: ByteBuffer) -> (end: Int, contentLength: Int)? {
    buffer.withUnsafeReadableBytes { raw -> (Int, Int)? in
        let base = raw.baseAddress!
        var position = 0
        var contentLength = 0
        while position < raw.count {
            guard let lf = memchr(base + position, 10, raw.count - position) else { return nil }
            let lineEnd = base.distance(to: UnsafeRawPointer(lf))
            let line = base.advanced(by: position).assumingMemoryBound(to: CChar.self)
            if lineEnd - position == 1 { return (lineEnd + 1, contentLength) }
            if lineEnd - position > 15 && strncasecmp(line, "content-length:", 15) == 0 {
                contentLength = Int(atoi(line + 15))
            }
            position = lineEnd + 1
        }
        return nil
    }
}

/// A channel with one buffer to write at the end of the event-loop tick.
protocol Flushable: AnyObject {
    func flushNow()
}

/// Per event loop: idle backend connections, the round-robin turn, the end-of-tick flush list.
final class LoopState {
    let eventLoop: any EventLoop
    var idleBackends: [[BackendHandler]] = Array(repeating: [], count: backends.count)
    var turn = 0
    private var toFlush: [any Flushable] = []
    private var flushScheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func flushAtEndOfTick(_ target: any Flushable) {
        self.toFlush.append(target)
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        self.eventLoop.assumeIsolatedUnsafeUnchecked().execute { self.flushAll() }
    }

    private func flushAll() {
        self.flushScheduled = false
        let targets = self.toFlush
        self.toFlush.removeAll(keepingCapacity: true)
        for target in targets { target.flushNow() }
    }
}

final class BackendHandler: ChannelInboundHandler, Flushable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let index: Int
    let loop: LoopState
    var client: ClientHandler?
    private var context: ChannelHandlerContext?
    private var input = ByteBuffer()
    private var output: ByteBuffer?

    init(index: Int, loop: LoopState) {
        self.index = index
        self.loop = loop
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func send(_ request: ByteBuffer) {
        self.output = request
        self.loop.flushAtEndOfTick(self)
    }

    func flushNow() {
        guard let output = self.output, let context = self.context else { return }
        self.output = nil
        context.writeAndFlush(self.wrapOutboundOut(output), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if self.input.readableBytes > 0 {
            self.input.writeBuffer(&buffer)
            buffer = self.input
        }
        guard let (end, contentLength) = completeHead(buffer), buffer.readableBytes >= end + contentLength,
            let client = self.client
        else {
            self.input = buffer
            return
        }
        self.input.clear()
        self.client = nil
        client.backend = nil
        self.loop.idleBackends[self.index].append(self)
        client.respond(buffer)
    }
}

final class ClientHandler: ChannelInboundHandler, Flushable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let loop: LoopState
    var backend: BackendHandler?
    private var context: ChannelHandlerContext?
    private var output: ByteBuffer?
    private var head = ByteBuffer()

    init(loop: LoopState) { self.loop = loop }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func respond(_ response: ByteBuffer) {
        self.output = response
        self.loop.flushAtEndOfTick(self)
    }

    func flushNow() {
        guard let output = self.output, let context = self.context else { return }
        self.output = nil
        context.writeAndFlush(self.wrapOutboundOut(output), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        guard let (end, _) = completeHead(buffer) else { return }
        self.head.clear()
        self.head.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: end - 2)!)
        self.head.writeString(forwardedLines)
        let index = self.loop.turn % backends.count
        self.loop.turn &+= 1
        if let backend = self.loop.idleBackends[index].popLast() {
            backend.client = self
            self.backend = backend
            backend.send(self.head)
            return
        }
        let request = self.head
        self.head = ByteBuffer()
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(to: backends[index])
            .assumeIsolated()
            .whenSuccess { channel in
                let backend = BackendHandler(index: index, loop: self.loop)
                backend.client = self
                self.backend = backend
                try! channel.pipeline.syncOperations.addHandler(backend)
                backend.send(request)
            }
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: threadCount)
// Written before the server starts, only read afterwards.
var loops: [ObjectIdentifier: LoopState] = [:]
for eventLoop in group.makeIterator() { loops[ObjectIdentifier(eventLoop)] = LoopState(eventLoop: eventLoop) }
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ClientHandler(loop: loops[ObjectIdentifier(channel.eventLoop)]!))
        }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .wait()
try server.closeFuture.wait()
