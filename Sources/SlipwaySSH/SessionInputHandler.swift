import NIOCore
import NIOSSH

/// A session channel's standard input as an async sequence, with backpressure: once the reader is
/// behind by a few chunks the channel stops reading, so the client's SSH window is not replenished
/// and it waits. (NIOAsyncChannel does this too, but traps when a channel's closeFuture fails, which
/// an SSH child channel's does when the client breaks the protocol: no client may crash the server.)
final class SessionInputHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundIn = SSHChannelData

    typealias Producer = NIOThrowingAsyncSequenceProducer<[UInt8], any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Demand>

    private var source: Producer.Source?
    private var context: ChannelHandlerContext?
    private var producing = true
    private var readPending = false

    /// Makes the handler and the sequence it feeds. Call on the channel's event loop.
    static func make(on eventLoop: any EventLoop) -> (SessionInputHandler, Producer) {
        let handler = SessionInputHandler()
        let made = Producer.makeSequence(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8),
                                         finishOnDeinit: true,
                                         delegate: Demand(handler: NIOLoopBound(handler, eventLoop: eventLoop), eventLoop: eventLoop))
        handler.source = made.source
        return (handler, made.sequence)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(nil)
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let data = unwrapInboundIn(data)
        // Extended data from a client means nothing to git: only the channel's own data is input.
        guard case .channel = data.type, case .byteBuffer(let buffer) = data.data, let source else { return }
        if case .stopProducing = source.yield(Array(buffer.readableBytesView)) { producing = false }
    }

    func read(context: ChannelHandlerContext) {
        if producing { context.read() } else { readPending = true }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { finish(nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(error)
        context.fireErrorCaught(error)
    }

    private func finish(_ error: (any Error)?) {
        guard let source else { return }
        self.source = nil
        if let error { source.finish(error) } else { source.finish() }
    }

    /// The reader caught up: read again if a read was held back.
    fileprivate func resume() {
        producing = true
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    struct Demand: NIOAsyncSequenceProducerDelegate {
        let handler: NIOLoopBound<SessionInputHandler>
        let eventLoop: any EventLoop

        func produceMore() {
            eventLoop.execute { handler.value.resume() }
        }

        func didTerminate() {}
    }
}
