import NIOCore
import NIOHTTP1

/// Finds the boundaries of a backend's response in the bytes it sends, without decoding it into
/// `HTTPClientResponsePart`s: the router passes the bytes on (see ProxyServerHandler+Backend.swift)
/// and only needs the head's framing facts and where the body ends.
///
/// Framing follows RFC 9112 6.3: no body after a HEAD request or for 1xx/204/304; `Transfer-Encoding:
/// chunked` (whose framing is removed here: `.body` carries the data only); `Content-Length`; else
/// the body runs until the backend closes the connection (`finish()`).
struct ResponseFramer {
    enum Event {
        /// A whole response with a Content-Length (or no) body that arrived in one read: its bytes
        /// as received, head and body, in one slice. No `.body` or `.end` follows.
        case complete(BackendResponseHead, message: ByteBuffer)
        case head(BackendResponseHead)
        /// Body bytes (chunk framing removed), slices of what the backend sent.
        case body(ByteBuffer)
        /// The response is complete; `trailers` are the raw trailer lines of a chunked body, if any.
        case end(trailers: ByteBuffer?)
    }

    private var message = MessageFramer()
    private var requestIsHEAD = false

    /// Expects the response to a request just sent.
    mutating func expectResponse(toHEAD: Bool) {
        self.message.expectHead()
        self.requestIsHEAD = toHEAD
    }

    /// Whether no response is under way (bytes arriving now would be out of sync).
    var isIdle: Bool { self.message.isIdle }

    /// The next event found in `buffer` (consuming what it covers), or nil when more bytes are
    /// needed (what is left of `buffer` is kept) or the response is complete (see `isIdle`).
    mutating func next(_ buffer: inout ByteBuffer) throws -> Event? {
        switch try self.message.next(&buffer) {
        case nil:
            return nil
        case .head(let raw):
            let head = try BackendResponseHead(raw: raw)
            if head.isInterim {
                self.message.anotherHeadFollows(in: &buffer)  // the real response follows
                return .head(head)
            }
            let framing = self.bodyFraming(for: head)
            if case .length(let length) = framing,
                let message = self.message.takeWholeMessage(bodyLength: length, from: &buffer)
            {
                return .complete(head, message: message)
            }
            self.message.bodyFollows(framing, in: &buffer)
            return .head(head)
        case .body(let bytes):
            return .body(bytes)
        case .end(let trailers):
            return .end(trailers: trailers)
        }
    }

    /// The backend closed the connection: the end of a close-delimited body, else nothing.
    mutating func finish() -> Event? {
        guard case .end(let trailers) = self.message.finish() else { return nil }
        return .end(trailers: trailers)
    }

    private func bodyFraming(for head: BackendResponseHead) -> MessageFramer.BodyFraming {
        let code = head.status.code
        // 101 (the router does not forward Upgrade, so a backend should not send it) ends the
        // exchange with no body, and the connection is not reused (BackendResponseHead.isKeepAlive).
        if self.requestIsHEAD || code == 101 || code == 204 || code == 304 { return .length(0) }
        if head.isChunked { return .chunked }
        if let length = head.contentLength { return .length(length) }
        return .untilClose
    }
}
