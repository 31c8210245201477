/// Splits a byte stream that arrives in arbitrary pieces into lines.
///
/// The engine's streams (JSON lines of build output and events, the text inside log frames)
/// are cut into network buffers without regard to line ends, so bytes wait here until their
/// newline arrives. A line longer than `maxLineBytes` is handed out in pieces, so a process
/// that never prints a newline cannot make the client buffer without bound.
struct LineBuffer: Sendable {
    private var pending: [UInt8] = []
    let maxLineBytes: Int

    init(maxLineBytes: Int = 1024 * 1024) {
        self.maxLineBytes = maxLineBytes
    }

    /// Adds bytes and returns the lines they complete, without "\n" or "\r\n".
    mutating func append<Bytes: Sequence>(_ bytes: Bytes) -> [[UInt8]] where Bytes.Element == UInt8 {
        var lines: [[UInt8]] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(Self.trimCR(pending))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count >= maxLineBytes {
                    lines.append(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        return lines
    }

    /// The unterminated rest at the end of the stream, if any.
    mutating func finish() -> [UInt8]? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : Self.trimCR(pending)
    }

    private static func trimCR(_ line: [UInt8]) -> [UInt8] {
        line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
    }
}
