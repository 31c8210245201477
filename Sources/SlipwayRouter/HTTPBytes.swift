#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1

/// A message that cannot be framed or parsed: the connection it came on cannot be used any more.
struct HTTPFramingError: Error, CustomStringConvertible {
    var description: String
    /// The answer a client gets for a request that failed this way.
    var status: HTTPResponseStatus

    init(_ description: String, status: HTTPResponseStatus = .badRequest) {
        self.description = description
        self.status = status
    }
}

/// Byte-level pieces of HTTP/1.1 syntax (RFC 9110 5, RFC 9112), shared by the head parsers.
enum HTTPBytes {
    /// tchar: the bytes of a token (method, header name).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Bytes a field value may hold: visible ASCII, obs-text, space and tab; no control byte.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == 0x09
    }

    static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// A non-negative decimal of up to 18 digits (a Content-Length), nil for anything else.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard let digit = self.digit(byte) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// `bytes` without leading and trailing spaces and tabs (OWS).
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// ASCII case-insensitive comparison with a lowercase literal.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let literal = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != literal[index] && bytes[index] != literal[index] {
            return false
        }
        return true
    }

    /// ASCII case-insensitive prefix test against a lowercase literal.
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        return bytes.count >= count && self.equals(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), lowercase)
    }

    /// The comma-separated elements of a list value, trimmed, empty ones left out.
    static func tokens(_ value: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).map {
            self.trimmed(UnsafeRawBufferPointer(rebasing: $0))
        }.filter { !$0.isEmpty }
    }

    static func containsToken(_ value: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        self.tokens(value).contains { self.equals($0, token) }
    }

    /// The header names that framing and forwarding treat specially, in requests and responses.
    enum HeaderName: Equatable {
        case host
        case contentLength
        case transferEncoding
        case connection
        /// Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection: hop-by-hop, nothing more to read.
        case otherHopByHop
        case other
    }

    static func headerName(_ name: UnsafeRawBufferPointer) -> HeaderName {
        switch name.count {
        case 4 where self.equals(name, "host"): return .host
        case 14 where self.equals(name, "content-length"): return .contentLength
        case 17 where self.equals(name, "transfer-encoding"): return .transferEncoding
        case 10 where self.equals(name, "connection"): return .connection
        case 10 where self.equals(name, "keep-alive"), 2 where self.equals(name, "te"),
            7 where self.equals(name, "trailer") || self.equals(name, "upgrade"),
            16 where self.equals(name, "proxy-connection"):
            return .otherHopByHop
        default: return .other
        }
    }

    /// A Content-Length value, which must agree with the one seen before it in the same head.
    static func contentLength(_ value: UnsafeRawBufferPointer, previous: Int?) throws -> Int {
        guard let length = self.decimal(value), previous == nil || previous == length else {
            throw HTTPFramingError("invalid Content-Length")
        }
        return length
    }

    /// The close and keep-alive options of a head's Connection headers.
    struct ConnectionOptions {
        var close = false
        var keepAlive = false
        var upgrade = false

        mutating func add(_ value: UnsafeRawBufferPointer) {
            if HTTPBytes.containsToken(value, "close") { self.close = true }
            if HTTPBytes.containsToken(value, "keep-alive") { self.keepAlive = true }
            if HTTPBytes.containsToken(value, "upgrade") { self.upgrade = true }
        }
    }

    /// Throws unless every line in `bytes` ends with CRLF (no bare CR or LF).
    static func checkLineEndings(_ bytes: ByteBuffer) throws {
        let valid = bytes.withUnsafeReadableBytes { bytes -> Bool in
            for index in bytes.indices {
                switch bytes[index] {
                case 0x0D: if index + 1 >= bytes.count || bytes[index + 1] != 0x0A { return false }
                case 0x0A: if index == 0 || bytes[index - 1] != 0x0D { return false }
                default: break
                }
            }
            return true
        }
        if !valid { throw HTTPFramingError("line not ended by CRLF") }
    }

    /// The index of the first LF in `bytes` at or after `start`, nil if there is none. memchr:
    /// heads are scanned line by line on every request and response.
    static func firstLF(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + start, 0x0A, bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Lines of a head, without their line ending. Lenient: a bare LF ends a line too. Strict: a
    /// line not ended by CRLF throws (a CR inside a line is left to the field checks, which refuse
    /// control bytes).
    struct Lines {
        let bytes: UnsafeRawBufferPointer
        let strict: Bool
        var index = 0

        init(_ bytes: UnsafeRawBufferPointer, strict: Bool = false) {
            self.bytes = bytes
            self.strict = strict
        }

        mutating func next() throws -> UnsafeRawBufferPointer? {
            let start = self.index
            guard let newline = HTTPBytes.firstLF(in: self.bytes, from: start) else { return nil }
            self.index = newline + 1
            let crlf = newline > start && self.bytes[newline - 1] == 0x0D
            if self.strict && !crlf { throw HTTPFramingError("line not ended by CRLF") }
            return UnsafeRawBufferPointer(rebasing: self.bytes[start..<(crlf ? newline - 1 : newline)])
        }
    }
}
