import NIOCore

// HTTP/1.1 upgrades (RFC 9110 7.8), WebSocket's handshake among them: the request goes to the
// backend with its Upgrade header and `Connection: upgrade`. If the backend answers 101, the
// client connection and that backend connection become a tunnel: bytes pass through unframed
// both ways, with the same backpressure as bodies (each side's reads are held while the other
// cannot take more) and the idle timeout of ProxyServerHandler+Timeouts.swift, until either side
// closes, which closes the other. Any other answer is an ordinary response, and the connection
// stays plain HTTP.
extension ProxyServerHandler {
    /// The whole upgrade request has gone out and the backend has not answered yet: the client's
    /// next bytes may already be the new protocol's, so they are held, not framed as HTTP.
    var awaitingUpgradeAnswer: Bool {
        self.upgradeRequested && self.requestEnded && self.phase != .tunneling
    }

    /// Client bytes during a tunnel (relayed) or while an upgrade's answer is awaited (held).
    func upgradedClientRead(_ buffer: ByteBuffer, now: NIODeadline) {
        guard self.phase == .tunneling else {
            var buffer = buffer
            if self.heldAfterUpgrade == nil {
                self.heldAfterUpgrade = buffer
            } else {
                self.heldAfterUpgrade?.writeBuffer(&buffer)
            }
            return
        }
        self.lastActive = now
        self.connection?.writeRaw(buffer)
        self.backendNeedsFlush = true  // flushed in channelReadComplete
    }

    /// The backend answered the upgrade request with 101 (`head`: its bytes as received).
    func startTunnel(head: ByteBuffer, connection: BackendConnection, context: ChannelHandlerContext) {
        self.responseStarted = true
        self.responseStatus = 101
        self.progressDeadline = nil
        self.phase = .tunneling
        self.lastActive = self.recordMetrics(status: 101) ?? .now()
        // A WebSocket may stay open for hours: it must not hold up the drain of its replica.
        self.endInFlight()
        connection.startTunnel()
        self.clientOutput.append(head, context: context)  // the 101 as the backend sent it
        self.flushClient()
        if let held = self.heldAfterUpgrade {
            self.heldAfterUpgrade = nil
            connection.writeRaw(held)
            connection.flush()
        }
        if connection.isWritable { self.resumeClientReads() }
    }

    /// Bytes from the backend end of a tunnel; flushed at the end of the backend's read.
    func tunnelRead(_ buffer: ByteBuffer) {
        guard let context = self.context, buffer.readableBytes > 0 else { return }
        self.lastActive = .now()
        self.clientOutput.append(buffer, context: context)
    }

    /// The backend closed its end of the tunnel: the client's closes once what came before is out.
    func tunnelEnded(context: ChannelHandlerContext?) {
        self.phase = .closed
        guard let context else { return }
        self.writeAndClose(ByteBuffer(), context: context)
    }
}
