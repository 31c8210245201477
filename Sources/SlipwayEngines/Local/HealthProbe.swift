import NIOCore
import NIOPosix
import SlipwayCore

/// One health check of a replica on its published port: a TCP connect, or an HTTP GET that must
/// answer 2xx or 3xx within the check's timeout. Speaks just enough HTTP/1.1 to read the status line.
enum HealthProbe {
    static func passes(_ check: HealthCheck, port: Int, host: String = "127.0.0.1") async -> Bool {
        let timeout = TimeAmount.milliseconds(Int64(check.timeoutSeconds * 1000))
        guard let path = check.path else { return await PortProbe.accepts(host: host, port: port, timeout: timeout) }
        guard let status = await httpStatus(host: host, port: port, path: path, timeout: timeout) else { return false }
        return (200..<400).contains(status)
    }

    static func httpStatus(host: String, port: Int, path: String, timeout: TimeAmount) async -> Int? {
        let group = MultiThreadedEventLoopGroup.singleton
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Int.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StatusLineReader(host: host, path: path, promise: promise))
                }
            }
        let deadline = eventLoop.scheduleTask(in: timeout) { promise.fail(ChannelError.connectTimeout(timeout)) }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            defer { channel.close(promise: nil) }
            let status = try await promise.futureResult.get()
            deadline.cancel()
            return status
        } catch {
            deadline.cancel()
            promise.fail(error)
            return nil
        }
    }
}

/// Sends `GET path` and completes with the status code of the first response line.
private final class StatusLineReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let host: String
    let path: String
    let promise: EventLoopPromise<Int>
    private var received = ByteBuffer()

    init(host: String, path: String, promise: EventLoopPromise<Int>) {
        self.host = host
        self.path = path
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: slipway-health\r\nConnection: close\r\n\r\n"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received.writeBuffer(&buffer)
        let view = received.readableBytesView
        guard let end = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if received.readableBytes > 1024 { promise.fail(ChannelError.inputClosed) }
            return
        }
        let line = String(decoding: view[view.startIndex..<end], as: UTF8.self)
        let parts = line.split(separator: " ")
        if parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) {
            promise.succeed(code)
        } else {
            promise.fail(ChannelError.inputClosed)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.inputClosed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
