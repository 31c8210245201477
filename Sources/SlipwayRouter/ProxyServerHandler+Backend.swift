import Logging
import NIOCore
import NIOHTTP1

// Backend -> router -> client, failures and the response timeout.
extension ProxyServerHandler: NIOScheduledCallbackHandler {
    func backendRead(_ event: ResponseFramer.Event, from connection: BackendConnection) {
        guard let context = self.context, connection === self.connection else { return }
        switch event {
        case .complete(let head, let message) where head.status == .switchingProtocols && self.upgradeRequested:
            self.startTunnel(head: message, connection: connection, context: context)
        case .complete(let head, let message):
            if self.responseHeadReceived(head, context: context) {
                self.clientOutput.append(message, context: context)  // head and body as received
            } else {
                let body = message.getSlice(
                    at: message.readerIndex + head.raw.readableBytes, length: message.readableBytes - head.raw.readableBytes)!
                self.responseBodyReceived(body, context: context)
            }
            self.responseCompleted(trailers: nil)
        case .head(let head):
            if self.responseHeadReceived(head, context: context) {
                self.clientOutput.append(head.raw, context: context)
            }
        case .body(let buffer):
            self.responseBodyReceived(buffer, context: context)
        case .end(let trailers):
            self.responseCompleted(trailers: trailers)
        }
    }

    /// Takes in a response head: true if it passes through byte for byte (the caller appends it),
    /// false if a rewritten head was appended instead.
    private func responseHeadReceived(_ head: BackendResponseHead, context: ChannelHandlerContext) -> Bool {
        // The two facts needed, not a copy of the whole head (each copy retains its buffers).
        guard let requestMethod = self.request?.method, let requestVersion = self.request?.version else { return false }
        if !head.isInterim {
            self.responseStarted = true
            self.responseStatus = Int(head.status.code)
            self.progressDeadline = nil
            self.backendKeepAlive = head.isKeepAlive
            self.clientChunked = false
        }
        // Fast path, the usual case: an HTTP/1.1 keep-alive exchange whose response has no
        // hop-by-hop header and a Content-Length (or no body) passes through byte for byte.
        let hasBody = head.status.mayHaveResponseBody && requestMethod != .HEAD
        if self.clientKeepAlive && head.version == .http1_1 && requestVersion == .http1_1 && !head.isInterim
            && !head.hasHopByHop && (head.contentLength != nil || !hasBody) {
            guard self.role.responseHeaderLines != nil else { return true }
            self.clientOutput.append(self.withRoleHeaders(head.raw), context: context)  // e.g. HSTS added
            return false
        }
        let (out, keepAlive) = ProxyHeaders.clientResponse(
            from: head.parsed, requestMethod: requestMethod, requestVersion: requestVersion,
            clientKeepAlive: self.clientKeepAlive)
        if !head.isInterim {
            self.clientKeepAlive = keepAlive
            self.clientChunked = out.headers.contains(name: "transfer-encoding")
        }
        var buffer = context.channel.allocator.buffer(capacity: head.raw.readableBytes + 64)
        buffer.writeResponseHead(out)
        self.clientOutput.append(head.isInterim ? buffer : self.withRoleHeaders(buffer), context: context)
        return false
    }

    private func responseBodyReceived(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard buffer.readableBytes > 0 else { return }
        if self.clientChunked {
            self.clientOutput.appendChunk(buffer, context: context)
        } else {
            self.clientOutput.append(buffer, context: context)
        }
    }

    func backendReadComplete() {
        self.flushClient()
    }

    func backendBecameWritable() {
        self.resumeClientReads()
    }

    /// The backend connection closed (or failed) while this exchange owned it.
    func backendClosed(_ connection: BackendConnection) {
        guard connection === self.connection else { return }
        self.connection = nil
        if self.phase == .tunneling {
            return self.tunnelEnded(context: self.context)
        }
        if self.responseStarted {
            self.endInFlight()
            // Part of the response went out already; all we can do is cut the client off too.
            if let context = self.context {
                self.clientOutput.write(to: context)
                context.flush()
                context.close(promise: nil)
            }
            return
        }
        // No byte of the response came back. Retrying is safe for a body-less idempotent request
        // (RFC 9110 9.2.2): whether the backend closed a reused idle connection or died mid-request
        // (a replica killed under load), the client gets its answer from another replica.
        let safeToRetry = self.requestEnded && !self.requestHadBody && (self.request?.method.isIdempotent ?? false)
        // A fresh connection that dies at once points at a dead replica, not an idle timeout.
        if connection.requestCount == 1, let backend = self.backendState?.backend { self.pool.eject(backend) }
        self.backendFailed(retryable: safeToRetry, resendEnd: true)
    }

    /// Connecting failed or a reused connection died before answering.
    func backendFailed(retryable: Bool, resendEnd: Bool = false) {
        let failed = self.backendState?.backend
        self.endInFlight()
        if retryable && self.attempts < 2 {
            // The parts written to the dead connection are gone; a body-less request is just head + end.
            if resendEnd { self.pending = [.end(trailers: nil)] }
            self.dispatch(excluding: failed)
            return
        }
        self.pending.removeAll()
        let app = self.route?.app ?? "the app"
        self.respondWithError(.badGateway, "slipway: could not reach a replica of \(app)")
    }

    private func responseCompleted(trailers: ByteBuffer?) {
        guard let context = self.context else { return }
        self.lastActive = self.recordMetrics(status: self.responseStatus) ?? .now()
        let connection = self.connection
        self.connection = nil
        connection?.exchange = nil
        if let connection, let state = self.backendState {
            if self.backendKeepAlive && self.requestEnded {
                self.pool.release(connection, state)
            } else {
                connection.close()  // the backend may still be waiting for the rest of the body
            }
        }
        self.endInFlight()
        self.resetExchange()
        let closeAfter = !self.clientKeepAlive || self.quiescing
        self.phase = self.requestEnded ? .idle : .discardingRequest
        self.resumeClientReads()
        if self.clientChunked {
            self.clientChunked = false
            var last = context.channel.allocator.buffer(capacity: 5 + (trailers?.readableBytes ?? 0))
            last.writeStaticString("0\r\n")
            if var trailers { last.writeBuffer(&trailers) }
            last.writeStaticString("\r\n")
            self.clientOutput.append(last, context: context)
        }
        if closeAfter {
            self.writeAndClose(ByteBuffer(), context: context)
        } else {
            self.flushClient()
            self.processQueued()  // after the end: the next response must follow this one
        }
    }

    /// Answers the current request with a one-line plain-text reason.
    func respondWithError(_ status: HTTPResponseStatus, _ message: String) {
        guard let context = self.context else { return }
        let keepAlive = self.mayKeepAliveAfterAnswer
        var (head, body) = ProxyHeaders.errorResponse(
            status, message: message, version: self.request?.version ?? .http1_1, keepAlive: keepAlive,
            allocator: context.channel.allocator)
        if let location = self.redirectLocation {  // a 308 to HTTPS (ProxyServerHandler+TLS.swift)
            head.headers.add(name: "location", value: location)
            self.redirectLocation = nil
        }
        self.answer(head, body, keepAlive: keepAlive, context: context)
    }

    /// Answers the current request with the app's maintenance page (503, Retry-After).
    func respondWithMaintenance(_ page: MaintenancePage) {
        guard let context = self.context else { return }
        let keepAlive = self.mayKeepAliveAfterAnswer
        self.answer(page.head(version: self.request?.version ?? .http1_1, keepAlive: keepAlive), page.body,
                    keepAlive: keepAlive, context: context)
    }

    /// A request still uploading gets its answer now and the connection closed, rather than
    /// reading (and throwing away) the rest of its body.
    private var mayKeepAliveAfterAnswer: Bool {
        (self.request?.isKeepAlive ?? false) && self.requestEnded && !self.quiescing
    }

    /// Sends a response the router makes itself (no backend) and moves on to the next request.
    private func answer(_ head: HTTPResponseHead, _ body: ByteBuffer, keepAlive: Bool, context: ChannelHandlerContext) {
        self.lastActive = self.recordMetrics(status: Int(head.status.code)) ?? .now()
        let request = self.request
        self.logger.debug(
            "answered without a backend",
            metadata: ["http.status": "\(head.status.code)", "http.host": "\(request?.hostString ?? "")"])
        self.resetExchange()
        self.phase = self.requestEnded ? .idle : .discardingRequest
        self.resumeClientReads()
        var headBytes = context.channel.allocator.buffer(capacity: 256)
        headBytes.writeResponseHead(head)
        var bytes = self.withRoleHeaders(headBytes)  // HSTS over HTTPS
        // A HEAD gets the headers alone (Content-Length included): a body would be read as the next response.
        if request?.method != .HEAD { bytes.writeImmutableBuffer(body) }
        if keepAlive {
            self.clientOutput.append(bytes, context: context)
            self.flushClient()
            self.processQueued()
        } else {
            self.writeAndClose(bytes, context: context)
        }
    }

    /// Writes the last bytes of the connection, then closes it once they are out.
    func writeAndClose(_ last: ByteBuffer, context: ChannelHandlerContext) {
        self.clientOutput.write(to: context)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(self.wrapOutboundOut(last), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Counts the exchange for its app (requests for hosts no app is routed at are not counted);
    /// returns when it ended, if it was counted.
    func recordMetrics(status: Int) -> NIODeadline? {
        guard let route = self.metricsRoute else { return nil }
        self.metricsRoute = nil
        if route !== self.metricsHandles?.route {
            self.metricsHandles = (route, self.metrics.handles(app: route.app, service: route.service))
        }
        return self.metricsHandles?.handles.record(status: status, since: self.requestStart)
    }

    /// The whole request reached the backend: from now on it owes us a response head.
    func requestFullySent() {
        self.extendDeadline()
    }

    /// Gives the exchange another `responseTimeout` to make progress: to take the next part of the
    /// request body (both sides can stall an upload) or, once the request is sent, to answer.
    func extendDeadline() {
        guard !self.responseStarted else { return }
        let deadline = self.now() + self.responseTimeout
        self.progressDeadline = deadline
        self.armTimer(at: deadline)
    }

    // One timer per client connection at most, re-armed lazily: cheaper than scheduling and
    // cancelling a task for every request (cancelling is a linear scan of the loop's timer heap).
    private func armTimer(at deadline: NIODeadline) {
        guard !self.timerArmed, let context = self.context else { return }
        self.timerArmed = true
        _ = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self)
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        self.timerArmed = false
        guard let deadline = self.progressDeadline, self.phase == .proxying, !self.responseStarted else { return }
        if NIODeadline.now() < deadline {
            self.armTimer(at: deadline)
            return
        }
        self.progressDeadline = nil
        let app = self.route?.app ?? "the app"
        let seconds = self.responseTimeout.nanoseconds / 1_000_000_000
        let backendStalled = self.requestEnded || self.readPending  // reads are held only for the backend
        self.connection?.close()
        self.connection = nil
        self.endInFlight()
        if self.requestEnded {
            self.respondWithError(.gatewayTimeout, "slipway: \(app) did not answer within \(seconds) s")
        } else if backendStalled {
            self.respondWithError(.gatewayTimeout, "slipway: \(app) stopped reading the request body for \(seconds) s")
        } else {
            self.respondWithError(.requestTimeout, "slipway: the request body stalled for \(seconds) s")
        }
    }

    /// The client went away or the handler is being removed: free what the exchange holds.
    func abandonExchange() {
        self.exchangeID &+= 1
        if let connection = self.connection {
            self.connection = nil
            connection.close()
        }
        self.endInFlight()
        self.resetExchange()
    }

    func endInFlight() {
        if let state = self.backendState {
            self.backendState = nil
            self.pool.endRequest(state)
        }
    }

    private func resetExchange() {
        // (removeAll() without keepingCapacity would allocate a fresh buffer every exchange.)
        if !self.pending.isEmpty { self.pending.removeAll(keepingCapacity: true) }
        self.progressDeadline = nil
        // The head is a slice of the buffer the client's bytes were read into: kept until the next
        // read, it would make that read copy the buffer (NIOSSL decrypts every read into one
        // 32 KiB buffer that it reuses only while nothing else holds it).
        self.request = nil
        self.backendRequest = nil
        self.route = nil
        self.upgradeRequested = false
    }
}

extension HTTPMethod {
    /// Methods a proxy may resend after a connection failure (as nginx does: not POST, LOCK, PATCH).
    var isIdempotent: Bool {
        switch self {
        case .POST, .LOCK, .PATCH, .CONNECT: return false
        default: return true
        }
    }
}
