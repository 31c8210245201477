import NIOCore
import NIOHTTP1

/// A backend's response head as received: the raw bytes (passed on untouched when nothing needs
/// rewriting) and the few facts framing and forwarding need. The full header list is only built
/// (`parsed`) when the head must be rewritten.
struct BackendResponseHead {
    /// The head's bytes, status line to the empty line included.
    let raw: ByteBuffer
    let version: HTTPVersion
    /// The status with its standard reason phrase; `parsed` carries the backend's own.
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
        var connection = HTTPBytes.ConnectionOptions()
        try raw.withUnsafeReadableBytes { bytes in
            var lines = HTTPBytes.Lines(bytes)
            guard let statusLine = try lines.next() else { throw HTTPFramingError("empty response head") }
            (version, status) = try Self.parseStatusLine(statusLine)
            while let line = try lines.next(), !line.isEmpty {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    throw HTTPFramingError("malformed response header line")
                }
                let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
                let value = HTTPBytes.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
                switch HTTPBytes.headerName(name) {
                case .contentLength:
                    contentLength = try HTTPBytes.contentLength(value, previous: contentLength)
                case .transferEncoding:
                    hasHopByHop = true
                    // chunked must be the last coding (RFC 9112 6.1); others are passed on with it.
                    isChunked = HTTPBytes.tokens(value).last.map { HTTPBytes.equals($0, "chunked") } ?? false
                case .connection:
                    hasHopByHop = true
                    connection.add(value)
                case .otherHopByHop:
                    hasHopByHop = true
                case .host, .other:
                    break
                }
            }
        }
        if isChunked && contentLength != nil {
            throw HTTPFramingError("both Content-Length and chunked Transfer-Encoding")
        }
        self.version = version
        self.status = status
        self.contentLength = contentLength
        self.isChunked = isChunked
        self.hasHopByHop = hasHopByHop
        self.connectionClose = connection.close
        self.connectionKeepAlive = connection.keepAlive
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
        var reason = ""
        self.raw.withUnsafeReadableBytes { bytes in
            var lines = HTTPBytes.Lines(bytes)
            if let statusLine = try? lines.next(), statusLine.count > 13 {
                reason = String(decoding: statusLine[13...], as: UTF8.self)  // after "HTTP/1.1 200 "
            }
            while let line = try? lines.next(), !line.isEmpty {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
                let name = String(decoding: line[..<colon], as: UTF8.self)
                let value = String(decoding: HTTPBytes.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])), as: UTF8.self)
                headers.add(name: name, value: value)
            }
        }
        let status = HTTPResponseStatus(statusCode: Int(self.status.code), reasonPhrase: reason)
        return HTTPResponseHead(version: self.version, status: status, headers: headers)
    }

    private static func parseStatusLine(_ bytes: UnsafeRawBufferPointer) throws -> (HTTPVersion, HTTPResponseStatus) {
        // "HTTP/1.1 200 OK": 12 bytes at least, the reason may be empty.
        guard bytes.count >= 12, HTTPBytes.equals(UnsafeRawBufferPointer(rebasing: bytes[0..<5]), "http/"),
            bytes[6] == UInt8(ascii: "."), bytes[8] == UInt8(ascii: " "),
            let major = HTTPBytes.digit(bytes[5]), let minor = HTTPBytes.digit(bytes[7]),
            let hundreds = HTTPBytes.digit(bytes[9]), let tens = HTTPBytes.digit(bytes[10]),
            let ones = HTTPBytes.digit(bytes[11]),
            bytes.count == 12 || bytes[12] == UInt8(ascii: " ")
        else { throw HTTPFramingError("malformed status line") }
        let code = hundreds * 100 + tens * 10 + ones
        guard major == 1, code >= 100 else { throw HTTPFramingError("unsupported status line") }
        return (HTTPVersion(major: major, minor: minor), HTTPResponseStatus(statusCode: code))
    }
}
