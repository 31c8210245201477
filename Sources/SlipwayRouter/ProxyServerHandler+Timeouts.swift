import Logging
import NIOCore
import NIOHTTP1

// The client-side timeouts: a request head must arrive within `headerTimeout` of its first byte
// (of the accept, on a new connection), and a connection between requests (or an upgraded one
// with no byte either way) closes after `idleTimeout`. A slowloris client, which opens many
// connections and trickles a header byte now and then, holds each one for `headerTimeout` at most.
//
// One watchdog timer per connection, which wakes at most `watchdogTick` apart and checks the
// connection's state, rather than a timer set and cancelled per request: cancelling is a linear
// scan of the event loop's timer heap, and the request path stays as it was (two stores per
// read, the time already taken for the response's metrics).
extension ProxyServerHandler {
    /// The watchdog's longest sleep: a deadline that starts while it sleeps is then never more
    /// than this late to be looked at (a head's deadline is at least this far from its first byte).
    var watchdogTick: TimeAmount { min(self.headerTimeout, self.idleTimeout) }

    func startWatchdog(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        self.headStartedAt = now  // a new connection owes us a head too
        self.lastActive = now
        self.armWatchdog(at: now + self.watchdogTick, context: context)
    }

    private func armWatchdog(at deadline: NIODeadline, context: ChannelHandlerContext) {
        _ = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self.watchdog)
    }

    func watchdogFired() {
        guard self.phase != .closed, let context = self.context else { return }
        let now = NIODeadline.now()
        var next = now + self.watchdogTick
        if self.phase == .idle, let started = self.headStartedAt {
            // Part of a head (or nothing yet, on a new connection): it must be complete in time.
            let deadline = started + self.headerTimeout
            if now >= deadline { return self.headerTimedOut(context: context) }
            next = min(next, deadline)
        } else if self.phase == .idle || self.phase == .tunneling {
            let deadline = self.lastActive + self.idleTimeout
            if now >= deadline {
                self.logger.trace("closing an idle client connection")
                self.phase = .closed
                context.close(promise: nil)
                return
            }
            next = min(next, deadline)
        } else {
            self.lastActive = now  // busy: the idle time starts when the exchange ends at the latest
        }
        self.armWatchdog(at: next, context: context)
    }

    /// A head stalled (slowloris) or a new connection sent nothing: 408 if it sent part of a head,
    /// else a silent close (browsers open spare connections they may never use).
    private func headerTimedOut(context: ChannelHandlerContext) {
        let seconds = self.headerTimeout.nanoseconds / 1_000_000_000
        self.logger.debug("request head timed out", metadata: ["router.timeout.seconds": "\(seconds)"])
        let sentSomething = self.framer.isInsideHead
        self.abandonExchange()
        self.queued.removeAll()
        self.phase = .closed
        guard sentSomething else {
            context.close(promise: nil)
            return
        }
        let (head, body) = ProxyHeaders.errorResponse(
            .requestTimeout, message: "slipway: the request head did not arrive within \(seconds) s",
            version: .http1_1, keepAlive: false, allocator: context.channel.allocator)
        var bytes = context.channel.allocator.buffer(capacity: 128 + body.readableBytes)
        bytes.writeResponseHead(head)
        bytes.writeImmutableBuffer(body)
        self.writeAndClose(bytes, context: context)
    }
}

/// The watchdog's timer callback; a separate object because the handler's own callback is the
/// response timeout (NIOScheduledCallbackHandler has one entry point).
final class ClientConnectionWatchdog: NIOScheduledCallbackHandler {
    weak var handler: ProxyServerHandler?

    func handleScheduledCallback(eventLoop: some EventLoop) {
        self.handler?.watchdogFired()
    }
}
