import NIOCore
import NIOHTTP1

/// Header rewriting between client and backend. Pure functions, no I/O.
///
/// These functions decide the framing headers: `Content-Length` passes through,
/// `Transfer-Encoding` is hop-by-hop and re-added as `chunked` only when the next hop needs it
/// (towards the backend BackendConnection then does the chunking; towards the client
/// ProxyServerHandler+Backend.swift does). A response head that
/// needs none of this passes through as the backend's bytes, without `clientResponse`.
enum ProxyHeaders {
    /// The request as the backend should see it. The client's X-Forwarded-*, Forwarded and
    /// X-Real-IP headers are replaced by the router's, unless the peer is a `trustedPeer` (a proxy
    /// in front of the router): then X-Forwarded-For is appended to and the others are kept.
    static func backendRequest(
        from head: HTTPRequestHead,
        clientIP: String?,
        trustedPeer: Bool = false,
        upgrade: Bool = false,
        scheme: String = "http"
    ) -> HTTPRequestHead {
        // Fast path, the usual case: nothing to strip, so keep the parsed headers and append ours.
        if case .passThrough(let host) = self.inspect(head) {
            var out = head
            if let clientIP {
                out.headers.add(name: "x-forwarded-for", value: clientIP)
                out.headers.add(name: "x-real-ip", value: clientIP)
            }
            out.headers.add(name: "x-forwarded-proto", value: scheme)
            if let host { out.headers.add(name: "x-forwarded-host", value: host) }
            return out
        }
        return self.rewrittenRequest(from: head, clientIP: clientIP, trustedPeer: trustedPeer, upgrade: upgrade, scheme: scheme)
    }

    /// The request as sent to the backend, head bytes only: what `BackendConnection` writes,
    /// appended to `buffer` (and a copy of it returned). The usual request (HTTP/1.1, nothing
    /// hop-by-hop, no X-Forwarded-*) is the client's own bytes with the router's X-Forwarded-* lines
    /// added; the rest goes through `backendRequest`.
    static func encodedBackendRequest(
        from head: ClientRequestHead,
        clientIP: String?,
        trustedPeer: Bool = false,
        scheme: String = "http",
        into buffer: inout ByteBuffer,
        forwardedLines: inout ForwardedLines
    ) -> BackendRequest {
        let isHEAD = head.method == .HEAD
        buffer.reserveCapacity(minimumWritableBytes: head.raw.readableBytes + 128)
        guard !head.needsRewrite else {
            let out = self.backendRequest(
                from: head.parsed, clientIP: clientIP, trustedPeer: trustedPeer, upgrade: head.isUpgrade, scheme: scheme)
            buffer.writeRequestHead(out)
            // As NIO's request encoder decided: chunked only when that is the (only) coding.
            let isChunked = out.headers.first(name: "transfer-encoding") == "chunked"
            return BackendRequest(head: buffer, isChunked: isChunked, isHEAD: isHEAD)
        }
        // Everything but the empty line that ends the head (the parser checked it is a CRLF).
        buffer.writeImmutableBuffer(head.raw.getSlice(at: head.raw.readerIndex, length: head.raw.readableBytes - 2)!)
        buffer.writeImmutableBuffer(forwardedLines.bytes(clientIP: clientIP, scheme: scheme, host: head.host))
        return BackendRequest(head: buffer, isChunked: false, isHEAD: isHEAD)
    }

    /// The X-Forwarded-* lines (and the empty line) that end a passed-through request head, made
    /// once per client connection and host: they only change when the Host header does.
    struct ForwardedLines {
        private var host: ByteBuffer?
        private var lines: ByteBuffer?

        mutating func bytes(clientIP: String?, scheme: String, host: ByteBuffer?) -> ByteBuffer {
            if let lines = self.lines, host == self.host { return lines }
            var lines = ByteBuffer()
            if let clientIP {
                lines.writeHeader("x-forwarded-for", clientIP)
                lines.writeHeader("x-real-ip", clientIP)
            }
            lines.writeHeader("x-forwarded-proto", scheme)
            if let host {
                lines.writeStaticString("x-forwarded-host: ")
                lines.writeImmutableBuffer(host)
                lines.writeStaticString("\r\n")
            }
            lines.writeStaticString("\r\n")
            (self.host, self.lines) = (host?.detached(), lines)
            return lines
        }
    }

    private enum Inspection {
        /// Nothing to strip or rewrite; the Host header's value, if any.
        case passThrough(host: String?)
        case rewrite
    }

    private static func inspect(_ head: HTTPRequestHead) -> Inspection {
        guard head.version == .http1_1 else { return .rewrite }
        var host: String?
        for (name, value) in head.headers {
            if name.asciiEquals("host") {
                host = value
            } else if self.isHopByHop(name, connectionTokens: []) || name.asciiEquals("transfer-encoding")
                || name.asciiHasPrefix("x-forwarded-") || name.asciiEquals("forwarded") || name.asciiEquals("x-real-ip") {
                return .rewrite
            }
        }
        return .passThrough(host: host)
    }

    /// The slow path of `backendRequest`: rebuilds the header list.
    private static func rewrittenRequest(
        from head: HTTPRequestHead,
        clientIP: String?,
        trustedPeer: Bool,
        upgrade: Bool,
        scheme: String
    ) -> HTTPRequestHead {
        var out = HTTPHeaders()
        out.reserveCapacity(head.headers.count + 4)
        let connectionTokens = self.connectionTokens(head.headers)
        var forwardedFor: String?
        var forwardedProto: String?
        var forwardedHost: String?
        var realIP: String?
        var host: String?
        var hasContentLength = false
        var isChunked = false
        for (name, value) in head.headers {
            if name.asciiEquals("host") {
                host = value
                out.add(name: name, value: value)
            } else if name.asciiHasPrefix("x-forwarded-") || name.asciiEquals("forwarded") || name.asciiEquals("x-real-ip") {
                // What a client says about where it came from is believed only from a trusted proxy.
                guard trustedPeer else { continue }
                if name.asciiEquals("x-forwarded-for") {
                    forwardedFor = forwardedFor.map { "\($0), \(value)" } ?? value
                } else if name.asciiEquals("x-forwarded-proto") {
                    forwardedProto = forwardedProto ?? value
                } else if name.asciiEquals("x-forwarded-host") {
                    forwardedHost = forwardedHost ?? value
                } else if name.asciiEquals("x-real-ip") {
                    realIP = realIP ?? value
                } else {
                    out.add(name: name, value: value)  // Forwarded, X-Forwarded-Port, ...: as sent
                }
            } else if name.asciiEquals("transfer-encoding") {
                isChunked = isChunked || value.asciiContains("chunked")
            } else if upgrade && name.asciiEquals("upgrade") {
                out.add(name: name, value: value)  // the protocol asked for, e.g. websocket
            } else if self.isHopByHop(name, connectionTokens: connectionTokens) {
                continue
            } else {
                if name.asciiEquals("content-length") { hasContentLength = true }
                out.add(name: name, value: value)
            }
        }
        if !hasContentLength && isChunked {
            out.add(name: "transfer-encoding", value: "chunked")
        }
        if upgrade { out.add(name: "connection", value: "upgrade") }
        if let clientIP {
            out.add(name: "x-forwarded-for", value: forwardedFor.map { "\($0), \(clientIP)" } ?? clientIP)
        } else if let forwardedFor {
            out.add(name: "x-forwarded-for", value: forwardedFor)
        }
        if let address = realIP ?? clientIP { out.add(name: "x-real-ip", value: address) }
        out.add(name: "x-forwarded-proto", value: forwardedProto ?? scheme)
        if let forwardedHost = forwardedHost ?? host { out.add(name: "x-forwarded-host", value: forwardedHost) }
        // Always HTTP/1.1 to the backend so the pooled connection stays keep-alive.
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: out)
    }

    /// The response as the client should see it, and whether the client connection stays open.
    static func clientResponse(
        from head: HTTPResponseHead,
        requestMethod: HTTPMethod,
        requestVersion: HTTPVersion,
        clientKeepAlive: Bool
    ) -> (head: HTTPResponseHead, keepAlive: Bool) {
        // Fast path, the usual case: an HTTP/1.1 keep-alive exchange whose response has nothing to
        // strip and a Content-Length (or no body) passes through untouched.
        if clientKeepAlive && head.version == .http1_1 && requestVersion == .http1_1 && !head.isInterim {
            var passThrough = true
            var hasContentLength = false
            for (name, _) in head.headers {
                if name.asciiEquals("content-length") {
                    hasContentLength = true
                } else if name.asciiEquals("transfer-encoding") || self.isHopByHop(name, connectionTokens: []) {
                    passThrough = false
                    break
                }
            }
            let hasBody = head.status.mayHaveResponseBody && requestMethod != .HEAD
            if passThrough && (hasContentLength || !hasBody) {
                return (head, true)
            }
        }

        var out = HTTPHeaders()
        out.reserveCapacity(head.headers.count + 1)
        let connectionTokens = self.connectionTokens(head.headers)
        var hasContentLength = false
        for (name, value) in head.headers {
            if name.asciiEquals("transfer-encoding") || self.isHopByHop(name, connectionTokens: connectionTokens) {
                continue
            }
            if name.asciiEquals("content-length") { hasContentLength = true }
            out.add(name: name, value: value)
        }
        var keepAlive = clientKeepAlive
        let hasBody = head.status.mayHaveResponseBody && requestMethod != .HEAD
        if head.isInterim {
            return (HTTPResponseHead(version: requestVersion, status: head.status, headers: out), keepAlive)
        }
        if hasBody && !hasContentLength {
            if requestVersion.major == 1 && requestVersion.minor >= 1 {
                out.add(name: "transfer-encoding", value: "chunked")
            } else {
                keepAlive = false  // HTTP/1.0 client: the body ends when the connection closes.
            }
        }
        if !keepAlive {
            out.add(name: "connection", value: "close")
        } else if requestVersion.major == 1 && requestVersion.minor == 0 {
            out.add(name: "connection", value: "keep-alive")
        }
        return (HTTPResponseHead(version: requestVersion, status: head.status, headers: out), keepAlive)
    }

    /// A plain-text response the router answers itself.
    static func errorResponse(
        _ status: HTTPResponseStatus,
        message: String,
        version: HTTPVersion,
        keepAlive: Bool,
        allocator: ByteBufferAllocator
    ) -> (HTTPResponseHead, ByteBuffer) {
        var body = allocator.buffer(capacity: message.utf8.count + 1)
        body.writeString(message)
        body.writeStaticString("\n")
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
        return (HTTPResponseHead(version: version, status: status, headers: headers), body)
    }

    private static func connectionTokens(_ headers: HTTPHeaders) -> [Substring] {
        // Almost every message has none or just keep-alive/close; skip the allocation then.
        guard headers.contains(name: "connection") else { return [] }
        return headers[canonicalForm: "connection"].filter {
            !$0.asciiEquals("close") && !$0.asciiEquals("keep-alive")
        }
    }

    /// Hop-by-hop by name (Transfer-Encoding aside: callers decide on it) or listed in Connection.
    private static func isHopByHop(_ name: String, connectionTokens: [Substring]) -> Bool {
        var name = name
        switch name.withUTF8({ HTTPBytes.headerName(UnsafeRawBufferPointer($0)) }) {
        case .connection, .otherHopByHop: return true
        case .host, .contentLength, .transferEncoding, .other: return connectionTokens.contains { name.asciiEquals($0) }
        }
    }
}

/// A request head serialized for a backend, and how its body must be framed.
struct BackendRequest {
    var head: ByteBuffer
    /// The body goes to the backend in chunked encoding (the client sent it chunked).
    var isChunked: Bool
    /// A HEAD request: the response has no body whatever its headers say.
    var isHEAD: Bool
}

extension StringProtocol {
    /// ASCII case-insensitive equality, without allocating (header names are ASCII).
    func asciiEquals(_ other: some StringProtocol) -> Bool {
        guard self.utf8.count == other.utf8.count else { return false }
        return zip(self.utf8, other.utf8).allSatisfy { a, b in a == b || a.asciiLowercased == b.asciiLowercased }
    }

    /// ASCII case-insensitive prefix test against a lowercase literal, without allocating.
    func asciiHasPrefix(_ lowercase: String) -> Bool {
        guard self.utf8.count >= lowercase.utf8.count else { return false }
        return zip(self.utf8, lowercase.utf8).allSatisfy { a, b in a.asciiLowercased == b }
    }

    func asciiContains(_ lowercase: String) -> Bool {
        self.lowercased().contains(lowercase)
    }
}

extension UInt8 {
    fileprivate var asciiLowercased: UInt8 {
        self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self
    }
}

extension HTTPResponseHead {
    /// A 1xx response (100 Continue, 103 Early Hints) that precedes the real one.
    var isInterim: Bool { self.status.code >= 100 && self.status.code < 200 && self.status != .switchingProtocols }
}
