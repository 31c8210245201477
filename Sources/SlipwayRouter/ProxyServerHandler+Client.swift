import Logging
import NIOCore
import NIOHTTP1

// The client connection's events: bytes split into requests, reads held or resumed for
// backpressure, writability, the end of the connection; and the response bytes flushed to it.
extension ProxyServerHandler {
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        let now = NIODeadline.now()
        if self.phase == .tunneling || self.awaitingUpgradeAnswer {
            return self.upgradedClientRead(buffer, now: now)
        }
        self.eventTime = now
        defer { self.eventTime = nil }
        self.frame(&buffer, now: now)
    }

    /// Splits client bytes into requests and handles them (or queues them behind the current one).
    func frame(_ buffer: inout ByteBuffer, now: NIODeadline) {
        if self.headStartedAt == nil && self.framer.isAwaitingHead { self.headStartedAt = now }
        do {
            // Until closed: after answering a malformed request, or quiesced.
            while self.phase != .closed, let part = try self.framer.next(&buffer) {
                if case .head = part { self.headStartedAt = nil }
                if self.mustQueue {
                    self.queued.append(.part(part))
                } else {
                    self.handle(part)
                    if self.awaitingUpgradeAnswer {
                        // The next bytes are the new protocol's if the backend answers 101.
                        self.heldAfterUpgrade = buffer
                        buffer.moveReaderIndex(to: buffer.writerIndex)
                        return
                    }
                }
            }
        } catch {
            self.parseErrorCaught(error as? HTTPFramingError ?? HTTPFramingError("\(error)"))
        }
        // A pipelined head that began after the end of the request before it, in this read.
        if self.headStartedAt == nil && self.framer.isInsideHead { self.headStartedAt = now }
    }

    func handle(_ part: RequestFramer.Event) {
        switch part {
        case .head(let head):
            self.requestHeadReceived(head)
        case .body(let buffer):
            self.requestHadBody = true
            switch self.phase {
            case .connecting:
                self.pending.append(.data(buffer))
            case .proxying:
                self.connection?.write(.data(buffer))
                self.backendNeedsFlush = true
                self.extendDeadline()
            case .idle, .rejecting, .maintenance, .discardingRequest, .tunneling, .closed:
                break
            }
        case .end(let trailers):
            self.requestEnded = true
            switch self.phase {
            case .connecting:
                self.pending.append(.end(trailers: trailers))
            case .proxying:
                self.connection?.write(.end(trailers: trailers))
                self.backendNeedsFlush = true
                self.requestFullySent()
            case .rejecting(let status, let message):
                self.respondWithError(status, message)
            case .maintenance(let page):
                self.respondWithMaintenance(page)
            case .discardingRequest:
                self.phase = .idle
                self.lastActive = self.now()
                if self.quiescing {
                    self.context?.close(promise: nil)
                } else {
                    self.processQueued()
                }
            case .idle, .tunneling, .closed:
                break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.backendNeedsFlush {
            self.backendNeedsFlush = false
            self.connection?.flush()
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if !self.queued.isEmpty {
            self.readPending = true
            return
        }
        switch self.phase {
        case .connecting:
            self.readPending = true
        case .proxying where self.awaitingUpgradeAnswer || !(self.connection?.isWritable ?? true),
            .tunneling where !(self.connection?.isWritable ?? true):
            self.readPending = true
        default:
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.clientWritable = context.channel.isWritable
        if self.clientWritable {
            self.connection?.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.abandonExchange()
        self.queued.removeAll()
        self.phase = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Anything (reset by peer, ...) leaves the connection unusable.
        self.logger.trace("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.quiesce()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Sends the response bytes written so far, at the end of this event-loop tick (see TickFlusher).
    func flushClient() {
        guard !self.clientFlushQueued else { return }
        self.clientFlushQueued = true
        self.pool.flusher.flushAtEndOfTick(self)
    }

    func flushNow() {
        self.clientFlushQueued = false
        guard let context = self.context else { return }
        self.clientOutput.writeAndFlush(to: context)
    }

    /// Resumes client reads that were held for backpressure (unless pipelined requests still wait).
    func resumeClientReads() {
        guard self.readPending, self.queued.isEmpty, let context = self.context else { return }
        self.readPending = false
        context.read()
    }
}
