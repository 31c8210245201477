import NIOCore
import NIOHTTP1

/// A client's request head as received: the raw bytes (passed on to the backend, with the router's
/// X-Forwarded-* lines added, when nothing needs rewriting) and the facts routing, framing and
/// forwarding need. The full header list is only built (`parsed`) when the head must be rewritten.
///
/// Parsing is strict where a lenient proxy would let a client smuggle a second request past it
/// (RFC 9112 sections 2.2, 3, 5, 6.1, 6.3): every line ends with CRLF; no whitespace before a
/// header's colon; no obsolete line folding; no control bytes in values; one Host; Content-Length
/// is digits (repeats must agree); Transfer-Encoding is exactly `chunked` and never comes with a
/// Content-Length. What fails gets a 400 (see `HTTPFramingError`) and the connection closes.
struct ClientRequestHead {
    /// The head's bytes, request line to the empty line included.
    let raw: ByteBuffer
    let method: HTTPMethod
    let version: HTTPVersion
    /// The Host header's value (without surrounding blanks), nil if there is none.
    let host: ByteBuffer?
    let bodyFraming: MessageFramer.BodyFraming
    /// Whether the client keeps the connection open after the response.
    let isKeepAlive: Bool
    /// Whether the head cannot pass through as is: HTTP/1.0, a hop-by-hop header, a
    /// Transfer-Encoding, or X-Forwarded-* / Forwarded / X-Real-IP headers the router must replace
    /// (or, from a trusted proxy, merge with its own).
    let needsRewrite: Bool
    /// An HTTP/1.1 protocol upgrade (`Upgrade` named in `Connection`, no body), e.g. a WebSocket
    /// handshake: passed on with its Upgrade header; a 101 answer turns the connection into a tunnel.
    let isUpgrade: Bool

    init(raw: ByteBuffer) throws {
        self.raw = raw
        var method = HTTPMethod.GET
        var version = HTTPVersion.http1_1
        var hostRange: Range<Int>?
        var contentLength: Int?
        var isChunked = false
        var needsRewrite = false
        var hasUpgrade = false
        var connection = HTTPBytes.ConnectionOptions()
        try raw.withUnsafeReadableBytes { bytes in
            var lines = HTTPBytes.Lines(bytes, strict: true)
            guard let requestLine = try lines.next() else { throw HTTPFramingError("empty request head") }
            (method, version) = try Self.parseRequestLine(requestLine)
            while let line = try lines.next(), !line.isEmpty {
                let (name, value) = try Self.parseHeaderLine(line)
                switch HTTPBytes.headerName(name) {
                case .host:
                    guard hostRange == nil else { throw HTTPFramingError("more than one Host header") }
                    let start = value.baseAddress.map { $0 - bytes.baseAddress! } ?? 0
                    hostRange = start..<(start + value.count)
                case .contentLength:
                    contentLength = try HTTPBytes.contentLength(value, previous: contentLength)
                case .transferEncoding:
                    // chunked, once and last, frames the body (RFC 9112 6.1, 6.3, 7); the router
                    // knows no other coding.
                    let codings = HTTPBytes.tokens(value)
                    guard !isChunked, let last = codings.last, HTTPBytes.equals(last, "chunked"),
                        codings.filter({ HTTPBytes.equals($0, "chunked") }).count == 1
                    else { throw HTTPFramingError("Transfer-Encoding without chunked as its one last coding") }
                    guard codings.count == 1 else {
                        throw HTTPFramingError("Transfer-Encoding other than chunked", status: .notImplemented)
                    }
                    isChunked = true
                    needsRewrite = true
                case .connection:
                    needsRewrite = true
                    connection.add(value)
                case .otherHopByHop:
                    needsRewrite = true
                    if HTTPBytes.equals(name, "upgrade") { hasUpgrade = true }
                case .other:
                    if HTTPBytes.hasPrefix(name, "x-forwarded-") || HTTPBytes.equals(name, "forwarded")
                        || HTTPBytes.equals(name, "x-real-ip") {
                        needsRewrite = true
                    }
                }
            }
        }
        if isChunked && contentLength != nil {
            throw HTTPFramingError("both Content-Length and Transfer-Encoding")
        }
        // RFC 9112 3.2: an HTTP/1.1 request without Host gets a 400.
        if version.minor == 1 && hostRange == nil {
            throw HTTPFramingError("no Host header")
        }
        self.method = method
        self.version = version
        self.host = hostRange.map { raw.getSlice(at: raw.readerIndex + $0.lowerBound, length: $0.count)! }
        self.bodyFraming = isChunked ? .chunked : .length(contentLength ?? 0)
        self.isKeepAlive = !connection.close && (version.minor >= 1 || connection.keepAlive)
        self.needsRewrite = needsRewrite || version.minor == 0
        self.isUpgrade = hasUpgrade && connection.upgrade && version.minor == 1 && !connection.close
            && self.bodyFraming == .length(0)
    }

    /// The Host header's value as a string ("" if there is none).
    var hostString: String {
        self.host.map { String(buffer: $0) } ?? ""
    }

    /// The head as NIO's type, for rewriting (the slow path).
    var parsed: HTTPRequestHead {
        var headers = HTTPHeaders()
        var uri = ""
        self.raw.withUnsafeReadableBytes { bytes in
            var lines = HTTPBytes.Lines(bytes)
            if let requestLine = try? lines.next() {
                let parts = requestLine.split(separator: 0x20)
                if parts.count == 3 { uri = String(decoding: parts[1], as: UTF8.self) }
            }
            while let line = try? lines.next(), !line.isEmpty, let header = try? Self.parseHeaderLine(line) {
                headers.add(
                    name: String(decoding: header.name, as: UTF8.self), value: String(decoding: header.value, as: UTF8.self))
            }
        }
        return HTTPRequestHead(version: self.version, method: self.method, uri: uri, headers: headers)
    }

    // MARK: Parsing

    /// `METHOD SP request-target SP HTTP/1.x`.
    private static func parseRequestLine(_ line: UnsafeRawBufferPointer) throws -> (HTTPMethod, HTTPVersion) {
        guard let firstSpace = line.firstIndex(of: 0x20), firstSpace > 0,
            line[..<firstSpace].allSatisfy(HTTPBytes.isTokenByte)
        else { throw HTTPFramingError("malformed request line") }
        // "HTTP/1.1" and the space before it: the last 9 bytes.
        let versionStart = line.count - 8
        guard versionStart > firstSpace + 1, line[versionStart - 1] == 0x20,
            HTTPBytes.equals(UnsafeRawBufferPointer(rebasing: line[versionStart..<(versionStart + 5)]), "http/"),
            line[versionStart + 6] == UInt8(ascii: "."),
            let major = HTTPBytes.digit(line[versionStart + 5]), let minor = HTTPBytes.digit(line[versionStart + 7])
        else { throw HTTPFramingError("malformed request line") }
        guard major == 1 && minor <= 1 else {
            throw HTTPFramingError("HTTP/\(major).\(minor) is not supported", status: .httpVersionNotSupported)
        }
        // The target: visible bytes only (no space, no control byte).
        guard line[(firstSpace + 1)..<(versionStart - 1)].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw HTTPFramingError("malformed request target")
        }
        let method = Self.method(UnsafeRawBufferPointer(rebasing: line[..<firstSpace]))
        return (method, HTTPVersion(major: major, minor: minor))
    }

    /// `name: value`: the name a token right before the colon, the value without surrounding blanks.
    private static func parseHeaderLine(
        _ line: UnsafeRawBufferPointer
    ) throws -> (name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        // A line starting with a blank continues the previous one: obsolete folding, refused.
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            line[..<colon].allSatisfy(HTTPBytes.isTokenByte)
        else { throw HTTPFramingError("malformed header line") }
        let value = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])
        guard value.allSatisfy(HTTPBytes.isFieldValueByte) else { throw HTTPFramingError("control byte in a header value") }
        return (UnsafeRawBufferPointer(rebasing: line[..<colon]), HTTPBytes.trimmed(value))
    }

    /// The method, without allocating for the common ones.
    private static func method(_ bytes: UnsafeRawBufferPointer) -> HTTPMethod {
        switch bytes.count {
        case 3 where Self.exactly(bytes, "GET"): return .GET
        case 4 where Self.exactly(bytes, "POST"): return .POST
        case 4 where Self.exactly(bytes, "HEAD"): return .HEAD
        case 3 where Self.exactly(bytes, "PUT"): return .PUT
        case 6 where Self.exactly(bytes, "DELETE"): return .DELETE
        case 5 where Self.exactly(bytes, "PATCH"): return .PATCH
        case 7 where Self.exactly(bytes, "OPTIONS"): return .OPTIONS
        default: return HTTPMethod(rawValue: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Case-sensitive comparison: methods are case-sensitive (RFC 9110 9.1).
    private static func exactly(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.elementsEqual(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
