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
        case head(BackendResponseHead)
        /// Body bytes (chunk framing removed), slices of what the backend sent.
        case body(ByteBuffer)
        /// The response is complete; `trailers` are the raw trailer lines of a chunked body, if any.
        case end(trailers: ByteBuffer?)
    }

    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
    }

    /// Largest response head (and chunk-size or trailer section) accepted, as NIO's decoder does.
    static let maxHeadSize = 80 * 1024

    private enum State {
        /// No request outstanding: bytes now would be out of sync.
        case idle
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state = State.idle
    private var requestIsHEAD = false
    /// Bytes of an incomplete head, chunk-size line or trailer section, waiting for more.
    private var stash: ByteBuffer?

    /// Expects the response to a request just sent.
    mutating func expectResponse(toHEAD: Bool) {
        self.state = .head
        self.requestIsHEAD = toHEAD
        self.stash = nil
    }

    /// Whether the current response runs until the backend closes the connection.
    var isCloseDelimited: Bool {
        if case .untilClose = self.state { return true }
        return false
    }

    /// Whether no response is under way (bytes arriving now would be out of sync).
    var isIdle: Bool {
        if case .idle = self.state { return true }
        return false
    }

    /// The next event found in `buffer` (consuming what it covers), or nil when more bytes are
    /// needed (what is left of `buffer` is kept) or the response is complete (see `isIdle`).
    mutating func next(_ buffer: inout ByteBuffer) throws -> Event? {
        if var stash = self.stash, buffer.readableBytes > 0 {
            self.stash = nil
            stash.writeBuffer(&buffer)
            buffer = stash
        }
        while true {
            switch self.state {
            case .idle:
                return nil
            case .head:
                guard let length = try self.complete(buffer, terminator: Self.crlfcrlf) else { return self.stashing(&buffer) }
                let head = try BackendResponseHead(raw: buffer.readSlice(length: length)!)
                self.state = self.bodyState(for: head)
                return .head(head)
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
                guard let length = try self.complete(buffer, terminator: Self.crlf) else { return self.stashing(&buffer) }
                let line = buffer.readSlice(length: length)!
                let size = try Self.chunkSize(line)
                self.state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let count = min(remaining, buffer.readableBytes)
                self.state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
                return .body(buffer.readSlice(length: count)!)
            case .chunkDataEnd:
                guard buffer.readableBytes >= 2 else { return self.stashing(&buffer) }
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw Error(description: "chunk data not followed by CRLF") }
                self.state = .chunkSize
            case .trailers:
                // Either an empty line (no trailers) or trailer lines ending with an empty line.
                if buffer.readableBytes >= 2 && buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) == 0x0D0A {
                    buffer.moveReaderIndex(forwardBy: 2)
                    self.state = .idle
                    return .end(trailers: nil)
                }
                guard let length = try self.complete(buffer, terminator: Self.crlfcrlf) else { return self.stashing(&buffer) }
                var trailers = buffer.readSlice(length: length)!
                trailers.moveWriterIndex(to: trailers.writerIndex - 2)  // keep each line's CRLF, not the empty line
                self.state = .idle
                return .end(trailers: trailers)
            }
        }
    }

    /// The backend closed the connection: the end of a close-delimited body, else nothing.
    mutating func finish() -> Event? {
        guard self.isCloseDelimited else { return nil }
        self.state = .idle
        return .end(trailers: nil)
    }

    private func bodyState(for head: BackendResponseHead) -> State {
        let code = head.status.code
        if code >= 100 && code < 200 {
            // 1xx: an interim response, the real one follows. 101 (the router does not forward
            // Upgrade, so a backend should not send it) ends the exchange with no body, and the
            // connection is not reused (BackendResponseHead.isKeepAlive).
            return code == 101 ? .fixed(remaining: 0) : .head
        }
        if self.requestIsHEAD || code == 204 || code == 304 { return .fixed(remaining: 0) }
        if head.isChunked { return .chunkSize }
        if let length = head.contentLength { return .fixed(remaining: length) }
        return .untilClose
    }

    private mutating func stashing(_ buffer: inout ByteBuffer) -> Event? {
        if buffer.readableBytes > 0 {
            self.stash = buffer
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        return nil
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let crlfcrlf: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

    /// The length up to and including the first `terminator` in `buffer`, nil if it is not there yet.
    private func complete(_ buffer: ByteBuffer, terminator: [UInt8]) throws -> Int? {
        let found = buffer.withUnsafeReadableBytes { bytes -> Int? in
            let count = bytes.count
            let last = terminator.count - 1
            var index = last
            while index < count {
                if bytes[index] == 0x0A {
                    var matches = true
                    for offset in 0..<last where bytes[index - last + offset] != terminator[offset] {
                        matches = false
                        break
                    }
                    if matches { return index + 1 }
                }
                index += 1
            }
            return nil
        }
        if found == nil && buffer.readableBytes > Self.maxHeadSize {
            throw Error(description: "response head or chunk framing over \(Self.maxHeadSize) bytes")
        }
        return found
    }

    /// A chunk-size line (hex digits, optional `;extensions`, CRLF).
    private static func chunkSize(_ line: ByteBuffer) throws -> Int {
        var size = 0
        var digits = 0
        for byte in line.readableBytesView {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A") + 10)
            default:
                guard digits > 0 else { throw Error(description: "malformed chunk size") }
                return size
            }
            digits += 1
            guard digits <= 15 else { throw Error(description: "chunk size too large") }
            size = size << 4 | value
        }
        throw Error(description: "malformed chunk size")
    }
}
