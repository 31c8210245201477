import Logging
import NIOCore
import NIOHTTP1

// HTTP/1.1 pipelining, request parse errors and quiescing, in place of NIO's
// HTTPServerPipelineHandler and HTTPServerProtocolErrorHandler: the same semantics (one response
// per request, in order; a 400 for a malformed request, after the responses before it; on
// quiesce, close once the current response is done), but reads are held only while pipelined
// requests actually wait, not around every request.
extension ProxyServerHandler {
    enum QueuedEvent {
        case part(RequestFramer.Event)
        case parseError(HTTPFramingError)
    }

    /// Whether an incoming part belongs to a later request than the one being answered.
    var mustQueue: Bool {
        !self.queued.isEmpty || (self.requestEnded && self.phase != .idle && self.phase != .closed)
    }

    /// The current exchange is done: handles what was pipelined behind it, up to the end of the
    /// next request that needs an answer from elsewhere (a backend), then resumes reading.
    func processQueued() {
        guard !self.processingQueue else { return }  // re-entered from an error answered inline
        self.processingQueue = true
        defer { self.processingQueue = false }
        // What a client sent after an upgrade request the backend did not accept: plain HTTP.
        if !self.awaitingUpgradeAnswer, var held = self.heldAfterUpgrade, self.phase != .closed {
            self.heldAfterUpgrade = nil
            self.frame(&held, now: .now())
        }
        while let next = self.queued.first {
            if self.phase == .closed || self.context == nil {
                self.queued.removeAll()
                return
            }
            if self.requestEnded && self.phase != .idle { break }  // answering that one first
            self.queued.removeFirst()
            switch next {
            case .part(let part): self.handle(part)
            case .parseError(let error): self.answerParseError(error)
            }
        }
        // Body parts relayed from the queue: no client channelReadComplete will flush them.
        if self.backendNeedsFlush {
            self.backendNeedsFlush = false
            self.connection?.flush()
        }
        self.resumeClientReads()
    }

    /// The request framer failed: the client's bytes cannot be framed any more.
    func parseErrorCaught(_ error: HTTPFramingError) {
        if self.mustQueue {
            // A later request is malformed: answer the ones before it first.
            self.queued.append(.parseError(error))
        } else if self.phase == .proxying && self.responseStarted {
            // The current request's body is malformed and its response is half sent: cut it off.
            self.abandonExchange()
            self.phase = .closed
            self.context?.close(promise: nil)
        } else {
            self.answerParseError(error)
        }
    }

    /// 400 (or what `error` says) with the reason and `Connection: close`, then close: after a
    /// malformed request the client's bytes cannot be framed any more.
    func answerParseError(_ error: HTTPFramingError) {
        guard let context = self.context else { return }
        self.logger.debug("malformed request", metadata: ["error": "\(error)"])
        self.abandonExchange()
        self.queued.removeAll()
        self.phase = .closed
        let (head, body) = ProxyHeaders.errorResponse(
            error.status, message: "slipway: malformed request: \(error)", version: .http1_1, keepAlive: false,
            allocator: context.channel.allocator)
        var bytes = context.channel.allocator.buffer(capacity: 128 + body.readableBytes)
        bytes.writeResponseHead(head)
        bytes.writeImmutableBuffer(body)
        self.writeAndClose(bytes, context: context)
    }

    /// The router is stopping: close now if idle, else once the current response is done.
    func quiesce() {
        self.quiescing = true
        self.queued.removeAll()
        if self.phase == .idle || self.phase == .tunneling {  // a tunnel has no end to wait for
            self.phase = .closed
            self.context?.close(promise: nil)
        } else if !self.responseStarted {
            self.clientKeepAlive = false  // the response will say Connection: close
        }
    }
}
