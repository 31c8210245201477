import NIOCore

/// Splits the bytes a client sends into requests: each head (parsed strictly, see
/// `ClientRequestHead`), its body parts and its end. Replaces NIO's HTTPRequestDecoder in the
/// client pipeline: the router passes the head's bytes on instead of decoding them into
/// `HTTPRequestHead` and encoding them again.
struct RequestFramer {
    enum Event {
        case head(ClientRequestHead)
        /// Body bytes (chunk framing removed), slices of what the client sent.
        case body(ByteBuffer)
        /// The request is complete; `trailers` are the raw trailer lines of a chunked body, if any.
        case end(trailers: ByteBuffer?)
    }

    private var message = MessageFramer()

    /// Whether part of a request head has arrived and the rest is awaited.
    var isInsideHead: Bool { self.message.isInsideHead }

    /// Whether the next bytes belong to a request head (between requests, or inside one).
    var isAwaitingHead: Bool { self.message.isAwaitingHead }

    init() {
        self.message.expectHead()
    }

    /// The next event found in `buffer` (consuming what it covers), or nil when more bytes are needed.
    /// After an error the connection is out of sync: nothing more may be read from it.
    mutating func next(_ buffer: inout ByteBuffer) throws -> Event? {
        switch try self.message.next(&buffer) {
        case nil:
            return nil
        case .head(let raw):
            let head = try ClientRequestHead(raw: raw)
            self.message.bodyFollows(head.bodyFraming, in: &buffer)
            return .head(head)
        case .body(let bytes):
            return .body(bytes)
        case .end(let trailers):
            self.message.expectHead()  // the next request may follow at once (pipelining)
            return .end(trailers: trailers)
        }
    }
}
