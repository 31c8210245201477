import NIOCore

/// Bytes written to a channel between two flushes, joined into one buffer while they are small,
/// so that a response head and its short body (or a request head and its short body) leave in one
/// write(2) rather than a writev of several buffers, each of which NIO tracks on its own.
/// Large buffers are handed on as they are, never copied.
///
/// A class, not a struct: handing bytes to the channel can call back into the handler that owns
/// this on the same stack (a flush that drains the socket fires a writability change, which
/// resumes reads, whose bytes are written here again). A struct property would be under a
/// mutating access for the whole call, and Swift stops the process on the nested one ("Fatal
/// access conflict detected"); here each access to `pending` is done before the channel is called.
final class OutputCoalescer {
    /// Up to this many bytes are joined; beyond it, buffers go to the channel one by one.
    static let joinLimit = 16 * 1024

    private var pending: ByteBuffer?

    var isEmpty: Bool { self.pending == nil }

    /// Adds `buffer` after what is pending; writes (without flushing) what no longer joins.
    func append(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard buffer.readableBytes > 0 else { return }
        guard var pending = self.pending else {
            self.pending = buffer
            return
        }
        if pending.readableBytes + buffer.readableBytes <= Self.joinLimit {
            self.pending = nil  // so the buffer below is not shared with self, when it can be
            pending.writeImmutableBuffer(buffer)
            self.pending = pending
        } else {
            self.pending = buffer  // first: what is appended while `pending` is written goes after it
            context.write(NIOAny(pending), promise: nil)
        }
    }

    /// Adds `buffer` as one chunk of a chunked body: size line, data, CRLF. An empty buffer adds
    /// nothing, as an empty chunk would end the body.
    func appendChunk(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard buffer.readableBytes > 0 else { return }
        var header = context.channel.allocator.buffer(capacity: 18)
        header.writeChunkHeader(size: buffer.readableBytes)
        self.append(header, context: context)
        self.append(buffer, context: context)
        self.append(ByteBuffer(staticString: "\r\n"), context: context)
    }

    /// Writes (without flushing) what is pending.
    func write(to context: ChannelHandlerContext) {
        guard let pending = self.pending else { return }
        self.pending = nil
        context.write(NIOAny(pending), promise: nil)
    }

    /// Writes what is pending and flushes, in one pass through the pipeline.
    func writeAndFlush(to context: ChannelHandlerContext) {
        guard let pending = self.pending else { return context.flush() }
        self.pending = nil
        context.writeAndFlush(NIOAny(pending), promise: nil)
    }

    /// Drops what is pending (the connection is being closed).
    func discard() {
        self.pending = nil
    }
}
