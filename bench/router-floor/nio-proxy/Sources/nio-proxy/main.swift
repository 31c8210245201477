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

/// The handlers' common part: one buffer to write, handed to the channel at the end of the tick.
class TickWriter: Flushable {
    let loop: LoopState
    private var context: ChannelHandlerContext?
    private var output: ByteBuffer?

    init(loop: LoopState) {
        self.loop = loop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func writeAtEndOfTick(_ buffer: ByteBuffer) {
        self.output = buffer
        self.loop.flushAtEndOfTick(self)
    }

    func flushNow() {
        guard let output = self.output, let context = self.context else { return }
        self.output = nil
        context.writeAndFlush(NIOAny(output), promise: nil)
    }
}

final class BackendHandler: TickWriter, ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let index: Int
    var client: ClientHandler?
    private var input = ByteBuffer()

    init(index: Int, loop: LoopState) {
        self.index = index
        super.init(loop: loop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        if self.input.readableBytes > 0 {
            self.input.writeBuffer(&buffer)
            buffer = self.input
        }
        guard let (end, contentLength) = buffer.withUnsafeReadableBytes(completeHead), buffer.readableBytes >= end + contentLength,
            let client = self.client
        else {
            self.input = buffer
            return
        }
        self.input.clear()
        self.client = nil
        client.backend = nil
        self.loop.idleBackends[self.index].append(self)
        client.writeAtEndOfTick(buffer)
    }
}

final class ClientHandler: TickWriter, ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var backend: BackendHandler?
    private var head = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        guard let (end, _) = buffer.withUnsafeReadableBytes(completeHead) else { return }
        self.head.clear()
        self.head.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: end - 2)!)
        self.head.writeString(forwardedLines)
        let index = self.loop.turn % backends.count
        self.loop.turn &+= 1
        if let backend = self.loop.idleBackends[index].popLast() {
            backend.client = self
            self.backend = backend
            backend.writeAtEndOfTick(self.head)
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
                backend.writeAtEndOfTick(request)
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
