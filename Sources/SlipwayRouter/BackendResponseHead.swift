import NIOCore
import NIOHTTP1

/// A backend's response head as received: the raw bytes (passed on untouched when nothing needs
/// rewriting) and the few facts framing and forwarding need. The full header list is only built
/// (`headers`) when the head must be rewritten.
struct BackendResponseHead {
    /// The head's bytes, status line to the empty line included.
    let raw: ByteBuffer
    let version: HTTPVersion
    let status: HTTPResponseStatus
    let contentLength: Int?
    let isChunked: Bool
    /// Whether a hop-by-hop header (Connection, Keep-Alive, Transfer-Encoding, TE, Trailer,
    /// Upgrade, Proxy-Connection) is present: then the head cannot pass through as is.
    let hasHopByHop: Bool
    private let connectionClose: Bool
    private let connectionKeepAlive: Bool

    init(raw: ByteBuffer) throws {
        self.raw = raw
        var version = HTTPVersion.http1_1
        var status = HTTPResponseStatus.ok
        var contentLength: Int?
        var isChunked = false
        var hasHopByHop = false
        var close = false
        var keepAlive = false
        try raw.withUnsafeReadableBytes { bytes in
            var lines = HeadLines(bytes: bytes)
            guard let statusLine = lines.next() else { throw ResponseFramer.Error(description: "empty response head") }
            (version, status) = try Self.parseStatusLine(statusLine)
            while let line = lines.next(), !line.isEmpty {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    throw ResponseFramer.Error(description: "malformed response header line")
                }
                let name = UnsafeRawBufferPointer(rebasing: line[line.startIndex..<colon])
                let value = Self.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
                switch name.count {
                case 14 where Self.equals(name, "content-length"):
                    guard let length = Self.decimal(value), contentLength == nil || contentLength == length else {
                        throw ResponseFramer.Error(description: "invalid Content-Length")
                    }
                    contentLength = length
                case 17 where Self.equals(name, "transfer-encoding"):
                    hasHopByHop = true
                    // chunked must be the last coding (RFC 9112 6.1); others are passed on with it.
                    isChunked = Self.endsWithChunked(value)
                case 10 where Self.equals(name, "connection"):
                    hasHopByHop = true
                    if Self.containsToken(value, "close") { close = true }
                    if Self.containsToken(value, "keep-alive") { keepAlive = true }
                case 10 where Self.equals(name, "keep-alive"), 2 where Self.equals(name, "te"),
                    7 where Self.equals(name, "trailer") || Self.equals(name, "upgrade"),
                    16 where Self.equals(name, "proxy-connection"):
                    hasHopByHop = true
                default:
                    break
                }
            }
        }
        if isChunked && contentLength != nil {
            throw ResponseFramer.Error(description: "both Content-Length and chunked Transfer-Encoding")
        }
        self.version = version
        self.status = status
        self.contentLength = contentLength
        self.isChunked = isChunked
        self.hasHopByHop = hasHopByHop
        self.connectionClose = close
        self.connectionKeepAlive = keepAlive
    }

    /// Whether the backend keeps the connection open after this response.
    var isKeepAlive: Bool {
        if self.status == .switchingProtocols { return false }
        if self.connectionClose { return false }
        return self.version.major == 1 && self.version.minor >= 1 ? true : self.connectionKeepAlive
    }

    /// A 1xx response (100 Continue, 103 Early Hints) that precedes the real one.
    var isInterim: Bool { self.status.code >= 100 && self.status.code < 200 && self.status != .switchingProtocols }

    /// The head as NIO's type, for rewriting (the slow path).
    var parsed: HTTPResponseHead {
        var headers = HTTPHeaders()
        self.raw.withUnsafeReadableBytes { bytes in
            var lines = HeadLines(bytes: bytes)
            _ = lines.next()
            while let line = lines.next(), !line.isEmpty {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[line.startIndex..<colon]), as: UTF8.self)
                let value = String(decoding: Self.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])), as: UTF8.self)
                headers.add(name: name, value: value)
            }
        }
        return HTTPResponseHead(version: self.version, status: self.status, headers: headers)
    }

    // MARK: Parsing helpers

    /// Lines of a head (without their CRLF; a bare LF ends a line too).
    private struct HeadLines {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func next() -> Slice<UnsafeRawBufferPointer>? {
            guard self.index < self.bytes.count else { return nil }
            let start = self.index
            guard let newline = self.bytes[start...].firstIndex(of: 0x0A) else { return nil }
            self.index = newline + 1
            let end = newline > start && self.bytes[newline - 1] == 0x0D ? newline - 1 : newline
            return self.bytes[start..<end]
        }
    }

    private static func parseStatusLine(_ line: Slice<UnsafeRawBufferPointer>) throws -> (HTTPVersion, HTTPResponseStatus) {
        // "HTTP/1.1 200 OK": 12 bytes at least, the reason may be empty.
        let bytes = UnsafeRawBufferPointer(rebasing: line)
        guard bytes.count >= 12, Self.equals(UnsafeRawBufferPointer(rebasing: bytes[0..<5]), "http/"),
            bytes[6] == UInt8(ascii: "."), bytes[8] == UInt8(ascii: " "),
            let major = Self.digit(bytes[5]), let minor = Self.digit(bytes[7]),
            let hundreds = Self.digit(bytes[9]), let tens = Self.digit(bytes[10]), let ones = Self.digit(bytes[11]),
            bytes.count == 12 || bytes[12] == UInt8(ascii: " ")
        else { throw ResponseFramer.Error(description: "malformed status line") }
        let code = hundreds * 100 + tens * 10 + ones
        guard major == 1, code >= 100 else { throw ResponseFramer.Error(description: "unsupported status line") }
        let reason = bytes.count > 13 ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[13...]), as: UTF8.self) : ""
        return (HTTPVersion(major: major, minor: minor), HTTPResponseStatus(statusCode: code, reasonPhrase: reason))
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard let digit = self.digit(byte) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// ASCII case-insensitive comparison with a lowercase literal.
    private static func equals(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let literal = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != literal[index] && bytes[index] != literal[index] {
            return false
        }
        return true
    }

    private static func tokens(_ value: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).map {
            Self.trimmed(UnsafeRawBufferPointer(rebasing: $0))
        }
    }

    private static func containsToken(_ value: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        self.tokens(value).contains { self.equals($0, token) }
    }

    private static func endsWithChunked(_ value: UnsafeRawBufferPointer) -> Bool {
        self.tokens(value).last.map { self.equals($0, "chunked") } ?? false
    }
}
