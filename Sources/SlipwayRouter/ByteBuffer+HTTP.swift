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
            self.writeString(name)
            self.writeStaticString(": ")
            self.writeString(value)
            self.writeStaticString("\r\n")
        }
        self.writeStaticString("\r\n")
    }

    /// The line that starts a chunk of `size` bytes.
    mutating func writeChunkHeader(size: Int) {
        self.writeString(String(size, radix: 16))
        self.writeStaticString("\r\n")
    }
}
