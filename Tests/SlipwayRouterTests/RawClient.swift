import NIOCore
import NIOPosix

/// A bare TCP client for what HTTPClient won't do: pipelining, HTTP/1.0, not reading.
final class RawClient: Sendable {
    private let channel: any Channel
    private let received: Locked<ByteBuffer>

    static func connect(port: Int, autoRead: Bool = true) async throws -> RawClient {
        let received = Locked(ByteBuffer())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: autoRead)
            .channelOption(.socketOption(.so_rcvbuf), value: 64 * 1024)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, received: received)
    }

    private init(channel: any Channel, received: Locked<ByteBuffer>) {
        self.channel = channel
        self.received = received
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Writes `total` body bytes as fast as the socket accepts them; returns a live count of the
    /// bytes the kernel has taken so far.
    func pump(total: Int) async throws -> Locked<Int> {
        let accepted = Locked(0)
        try await self.channel.eventLoop.submit { [channel] in
            try channel.pipeline.syncOperations.addHandler(UploadPump(remaining: total, accepted: accepted))
        }.get()
        return accepted
    }

    var text: String { self.received.withLockedValue { String(buffer: $0) } }
    var isOpen: Bool { self.channel.isActive }

    func close() async {
        try? await self.channel.close()
    }

    private final class UploadPump: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var remaining: Int
        let accepted: Locked<Int>

        init(remaining: Int, accepted: Locked<Int>) {
            self.remaining = remaining
            self.accepted = accepted
        }

        func handlerAdded(context: ChannelHandlerContext) { self.pump(context: context) }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            self.pump(context: context)
            context.fireChannelWritabilityChanged()
        }

        private func pump(context: ChannelHandlerContext) {
            while self.remaining > 0 && context.channel.isWritable {
                let count = min(self.remaining, TestPattern.chunkSize)
                self.remaining -= count
                let accepted = self.accepted
                context.writeAndFlush(self.wrapOutboundOut(TestPattern.chunk(index: 0, count: count))).whenSuccess {
                    accepted.withLockedValue { $0 += count }
                }
            }
        }
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Locked<ByteBuffer>

        init(received: Locked<ByteBuffer>) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = Self.unwrapInboundIn(data)
            self.received.withLockedValue { $0.writeBuffer(&buffer) }
        }
    }
}
