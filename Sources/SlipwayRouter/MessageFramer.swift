import NIOCore
import NIOHTTP1

/// Finds where the parts of HTTP/1.1 messages begin and end in a byte stream (RFC 9112): a head
/// up to its empty line, then the body as its framing says (the caller parses the head and tells,
/// `bodyFollows`, or takes the whole message at once, `takeWholeMessage`). Shared by client
/// requests (`RequestFramer`) and backend responses (`ResponseFramer`); nothing is decoded into
/// NIO's HTTP parts, so the router can pass the bytes on.
///
/// Chunked framing is checked strictly, as a proxy must so that it and the backend agree on where a
/// message ends (request smuggling): a chunk-size line is hex digits, optional extensions and CRLF;
/// chunk data is followed by CRLF.
struct MessageFramer {
    enum BodyFraming: Equatable {
        /// `Content-Length` (0 for a message without a body).
        case length(Int)
        /// `Transfer-Encoding: chunked`; `.body` events carry the data, the framing is removed.
        case chunked
        /// A response body that runs until the backend closes the connection (`finish()`).
        case untilClose
    }

    enum Event {
        /// The head's bytes, start line to the empty line included. They stay in the buffer until
        /// the caller says what follows (`bodyFollows`, `takeWholeMessage`, `anotherHeadFollows`).
        case head(ByteBuffer)
        /// Body bytes, slices of what was received.
        case body(ByteBuffer)
        /// The message is complete; `trailers` are the raw trailer lines of a chunked body, if any.
        case end(trailers: ByteBuffer?)
    }

    private enum State {
        /// No message expected: bytes now would be out of sync.
        case idle
        case head
        /// A head of `headLength` bytes was returned (and not consumed); waiting for `bodyFollows`.
        case awaitingFraming(headLength: Int)
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    /// Largest head (and chunk-size line or trailer section) accepted, as NIO's decoder does.
    let maxHeadSize: Int
    private var state = State.idle
    /// Bytes of an incomplete head, chunk-size line or trailer section, waiting for more.
    private var stash: ByteBuffer?

    init(maxHeadSize: Int = 80 * 1024) {
        self.maxHeadSize = maxHeadSize
    }

    /// Expects a message's head next.
    mutating func expectHead() {
        self.state = .head
        self.stash = nil
    }

    /// After a `.head`: consumes it from `buffer` and frames the body that follows as `framing` says.
    mutating func bodyFollows(_ framing: BodyFraming, in buffer: inout ByteBuffer) {
        self.consumeHead(&buffer)
        switch framing {
        case .length(let length): self.state = .fixed(remaining: length)
        case .chunked: self.state = .chunkSize
        case .untilClose: self.state = .untilClose
        }
    }

    /// After a `.head`, in place of `bodyFollows(.length(bodyLength))`: the whole message, head and
    /// body as received in one slice (nothing copied), if all of it is in `buffer`; the message is
    /// then complete. Nil, and nothing consumed, if the body has not fully arrived.
    mutating func takeWholeMessage(bodyLength: Int, from buffer: inout ByteBuffer) -> ByteBuffer? {
        guard case .awaitingFraming(let headLength) = self.state,
            buffer.readableBytes - headLength >= bodyLength
        else { return nil }
        self.state = .idle
        return buffer.readSlice(length: headLength + bodyLength)
    }

    /// After a `.head` of an interim (1xx) response: consumes it; the next head follows.
    mutating func anotherHeadFollows(in buffer: inout ByteBuffer) {
        self.consumeHead(&buffer)
        self.state = .head
    }

    private mutating func consumeHead(_ buffer: inout ByteBuffer) {
        guard case .awaitingFraming(let headLength) = self.state else { return }
        buffer.moveReaderIndex(forwardBy: headLength)
    }

    /// Whether no message is under way (bytes arriving now would be out of sync).
    var isIdle: Bool {
        if case .idle = self.state { return true }
        return false
    }

    /// Whether part of a head has arrived and the rest is awaited.
    var isInsideHead: Bool {
        if case .head = self.state { return self.stash != nil }
        return false
    }

    /// Whether the next bytes belong to a head.
    var isAwaitingHead: Bool {
        if case .head = self.state { return true }
        return false
    }

    /// Whether the current body runs until the connection closes.
    var isCloseDelimited: Bool {
        if case .untilClose = self.state { return true }
        return false
    }

    /// The next event found in `buffer` (consuming what it covers), or nil when more bytes are
    /// needed (what is left of `buffer` is kept), the message is complete (see `isIdle`) or a head
    /// waits for `bodyFollows`.
    mutating func next(_ buffer: inout ByteBuffer) throws -> Event? {
        if var stash = self.stash, buffer.readableBytes > 0 {
            self.stash = nil
            stash.writeBuffer(&buffer)
            buffer = stash
        }
        while true {
            switch self.state {
            case .idle, .awaitingFraming:
                return nil
            case .head:
                Self.skipEmptyLines(&buffer)  // RFC 9112 2.2: tolerated before a start line
                guard let length = try self.headLength(buffer) else { return self.stashing(&buffer) }
                self.state = .awaitingFraming(headLength: length)
                return .head(buffer.getSlice(at: buffer.readerIndex, length: length)!)
            case .fixed(let remaining):
                if remaining == 0 {
                    self.state = .idle
                    return .end(trailers: nil)
                }
                guard buffer.readableBytes > 0 else { return nil }
                let count = min(remaining, buffer.readableBytes)
                self.state = .fixed(remaining: remaining - count)
                return .body(buffer.readSlice(length: count)!)
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .body(buffer.readSlice(length: buffer.readableBytes)!)
            case .chunkSize:
                guard let length = try self.lineLength(buffer) else { return self.stashing(&buffer) }
                let size = try Self.chunkSize(buffer.readSlice(length: length)!)
                self.state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let count = min(remaining, buffer.readableBytes)
                self.state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
                return .body(buffer.readSlice(length: count)!)
            case .chunkDataEnd:
                guard buffer.readableBytes >= 2 else { return self.stashing(&buffer) }
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw HTTPFramingError("chunk data not followed by CRLF")
                }
                self.state = .chunkSize
            case .trailers:
                // Either an empty line (no trailers) or trailer lines ending with an empty line.
                if buffer.readableBytes >= 2 && buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) == 0x0D0A {
                    buffer.moveReaderIndex(forwardBy: 2)
                    self.state = .idle
                    return .end(trailers: nil)
                }
                guard let length = try self.headLength(buffer) else { return self.stashing(&buffer) }
                var trailers = buffer.readSlice(length: length)!
                try HTTPBytes.checkLineEndings(trailers)
                trailers.moveWriterIndex(to: trailers.writerIndex - 2)  // keep each line's CRLF, not the empty line
                self.state = .idle
                return .end(trailers: trailers)
            }
        }
    }

    /// The connection closed: the end of a close-delimited body, else nothing.
    mutating func finish() -> Event? {
        guard self.isCloseDelimited else { return nil }
        self.state = .idle
        return .end(trailers: nil)
    }

    private mutating func stashing(_ buffer: inout ByteBuffer) -> Event? {
        if buffer.readableBytes > 0 {
            self.stash = buffer
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        return nil
    }

    private static func skipEmptyLines(_ buffer: inout ByteBuffer) {
        while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            if byte == 0x0A {
                buffer.moveReaderIndex(forwardBy: 1)
            } else if byte == 0x0D && buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == 0x0A {
                buffer.moveReaderIndex(forwardBy: 2)
            } else {
                return
            }
        }
    }

    /// The length of the head at the start of `buffer`, up to and including the LF that ends its
    /// empty line; nil if that is not there yet. (Bare LFs end lines here; the head parsers decide
    /// whether they accept them.)
    private func headLength(_ buffer: ByteBuffer) throws -> Int? {
        let found = buffer.withUnsafeReadableBytes { bytes -> Int? in
            var from = 1
            while let index = HTTPBytes.firstLF(in: bytes, from: from) {
                let previous = bytes[index - 1]
                if previous == 0x0A || (previous == 0x0D && index >= 2 && bytes[index - 2] == 0x0A) {
                    return index + 1
                }
                from = index + 1
            }
            return nil
        }
        try self.checkSize(found, buffer)
        return found
    }

    /// The length of the line at the start of `buffer`, its LF included; nil if not there yet.
    private func lineLength(_ buffer: ByteBuffer) throws -> Int? {
        let found = buffer.readableBytesView.firstIndex(of: 0x0A).map { $0 - buffer.readerIndex + 1 }
        try self.checkSize(found, buffer)
        return found
    }

    private func checkSize(_ found: Int?, _ buffer: ByteBuffer) throws {
        if (found ?? buffer.readableBytes) > self.maxHeadSize {
            throw HTTPFramingError("head or chunk framing over \(self.maxHeadSize) bytes", status: .requestHeaderFieldsTooLarge)
        }
    }

    /// A chunk-size line: hex digits, optional `;extensions` (after optional blanks), CRLF.
    private static func chunkSize(_ line: ByteBuffer) throws -> Int {
        var size = 0
        var digits = 0
        let view = line.readableBytesView
        var index = view.startIndex
        let lineEnd = view.endIndex - 2
        guard view.count >= 3, view[lineEnd] == 0x0D else { throw HTTPFramingError("chunk-size line does not end with CRLF") }
        while index < lineEnd, let value = HTTPBytes.hexDigit(view[index]) {
            digits += 1
            guard digits <= 15 else { throw HTTPFramingError("chunk size too large") }
            size = size << 4 | value
            index += 1
        }
        guard digits > 0 else { throw HTTPFramingError("malformed chunk size") }
        while index < lineEnd && (view[index] == 0x20 || view[index] == 0x09) { index += 1 }
        guard index == lineEnd || view[index] == UInt8(ascii: ";") else { throw HTTPFramingError("malformed chunk size") }
        // Extensions are ignored, but must not hide a line break.
        guard view[index..<lineEnd].allSatisfy(HTTPBytes.isFieldValueByte) else {
            throw HTTPFramingError("malformed chunk extension")
        }
        return size
    }
}
