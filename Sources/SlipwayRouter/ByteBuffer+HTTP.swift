import NIOCore
import NIOHTTP1

// Serializing what the router writes to clients itself (rewritten response heads, its own
// answers, chunk framing): the client pipeline has no HTTPResponseEncoder, as responses from
// backends are passed on as bytes.
extension ByteBuffer {
    mutating func writeResponseHead(_ head: HTTPResponseHead) {
        self.writeStaticString("HTTP/")
        self.writeString(String(head.version.major))
        self.writeStaticString(".")
        self.writeString(String(head.version.minor))
        self.writeStaticString(" ")
        self.writeString(String(head.status.code))
        self.writeStaticString(" ")
        self.writeString(head.status.reasonPhrase)
        self.writeStaticString("\r\n")
        for (name, value) in head.headers {
            self.writeHeader(name, value)
        }
        self.writeStaticString("\r\n")
    }

    /// The line that starts a chunk of `size` bytes.
    mutating func writeChunkHeader(size: Int) {
        self.writeString(String(size, radix: 16))
        self.writeStaticString("\r\n")
    }
}

// Serializing request heads for backends (there is no HTTPRequestEncoder in the backend pipeline):
// header names and values are written as received, in order, duplicates as separate lines.
extension ByteBuffer {
    /// `METHOD URI HTTP/1.1` and its CRLF: backends are always spoken to in HTTP/1.1.
    mutating func writeRequestLine(method: HTTPMethod, uri: String) {
        self.writeString(method.rawValue)
        self.writeStaticString(" ")
        self.writeString(uri)
        self.writeStaticString(" HTTP/1.1\r\n")
    }

    mutating func writeHeader(_ name: String, _ value: String) {
        self.writeString(name)
        self.writeStaticString(": ")
        self.writeString(value)
        self.writeStaticString("\r\n")
    }

    /// A whole request head, for the rewritten (slow) path.
    mutating func writeRequestHead(_ head: HTTPRequestHead) {
        self.writeRequestLine(method: head.method, uri: head.uri)
        for (name, value) in head.headers {
            self.writeHeader(name, value)
        }
        self.writeStaticString("\r\n")
    }
}

extension ByteBuffer {
    /// The same bytes in storage of their own. For what a connection keeps across reads (the
    /// Host it last routed): a slice would keep the whole read buffer alive, and the next read
    /// into that buffer would have to copy it first (NIOSSL reuses one 32 KiB buffer per
    /// connection, NIO one per event loop, when nothing else holds it).
    func detached() -> ByteBuffer {
        var copy = ByteBuffer()
        copy.reserveCapacity(self.readableBytes)
        copy.writeImmutableBuffer(self)
        return copy
    }
}
