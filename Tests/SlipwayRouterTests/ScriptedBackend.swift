import Foundation
import NIOCore
import NIOPosix
import TestPorts

/// A backend that answers every request (one at a time, head only: no request bodies) with
/// exactly the bytes a script gives for its path, written in the pieces given (each flushed on
/// its own, a little apart), then closes if told to: for response framings TestBackend's NIO
/// encoder would not produce (split chunk lines, trailers, bodies delimited by the close, HTTP/1.0).
final class ScriptedBackend: Sendable {
    struct Answer: Sendable {
        var pieces: [String]
        var close = false
    }

    let port: Int
    private let channel: any Channel
    /// Request heads received, in order, as text.
    let requests: Locked<[String]>

    static func start(_ script: @escaping @Sendable (_ path: String) -> Answer) async throws -> ScriptedBackend {
        let requests = Locked<[String]>([])
        let channel = try await TestPorts.withFreePort { port in
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Handler(script: script, requests: requests))
                    }
                }
                .bind(host: "127.0.0.1", port: port).get()
        }
        return ScriptedBackend(channel: channel, requests: requests)
    }

    private init(channel: any Channel, requests: Locked<[String]>) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.requests = requests
    }

    func stop() async {
        try? await self.channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let script: @Sendable (String) -> Answer
        let requests: Locked<[String]>
        var received = ""

        init(script: @escaping @Sendable (String) -> Answer, requests: Locked<[String]>) {
            self.script = script
            self.requests = requests
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.received += String(buffer: self.unwrapInboundIn(data))
            while let end = self.received.range(of: "\r\n\r\n") {
                let head = String(self.received[..<end.upperBound])
                self.received = String(self.received[end.upperBound...])
                self.requests.withLockedValue { $0.append(head) }
                let path = head.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
                self.answer(self.script(path), context: context)
            }
        }

        private func answer(_ answer: Answer, context: ChannelHandlerContext) {
            // Pieces go out 5 ms apart so the router sees them in separate reads.
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            for (index, piece) in answer.pieces.enumerated() {
                let last = index == answer.pieces.count - 1
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(index * 5))) {
                    let context = loopBound.value
                    let done = context.writeAndFlush(NIOAny(ByteBuffer(string: piece)))
                    if last && answer.close {
                        done.whenComplete { _ in loopBound.value.close(promise: nil) }
                    }
                }
            }
        }
    }
}
