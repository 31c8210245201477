import Foundation
import NIOCore

/// Decodes the body of `GET /containers/{id}/logs` into lines.
///
/// Without a TTY the engine multiplexes stdout and stderr into frames, each an 8-byte header
/// (`[stream, 0, 0, 0, size as UInt32 big-endian]`) followed by `size` bytes of output.
/// Frames are cut anywhere by the network and need not end on a line boundary, so frame
/// state and a line buffer per stream are kept across buffers. A frame's payload is passed on
/// as it arrives rather than waiting for the whole frame. With a TTY the body is raw output,
/// all of it stdout. With `timestamps`, each line starts with an RFC 3339 time and a space.
struct LogFrameDecoder: Sendable {
    enum Mode: Sendable {
        case multiplexed
        case raw
    }

    let mode: Mode
    let timestamps: Bool
    private var header: [UInt8] = []
    private var remainingInFrame = 0
    private var frameStream: LogLine.Stream = .stdout
    private var stdoutLines = LineBuffer()
    private var stderrLines = LineBuffer()

    init(mode: Mode, timestamps: Bool) {
        self.mode = mode
        self.timestamps = timestamps
    }

    mutating func consume(_ buffer: ByteBuffer) throws -> [LogLine] {
        let bytes = buffer.readableBytesView
        guard mode == .multiplexed else {
            return makeLines(stdoutLines.append(bytes), stream: .stdout)
        }
        var lines: [LogLine] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if remainingInFrame == 0 {
                // Collect the header, which may itself be split across buffers.
                let needed = 8 - header.count
                let end = bytes.index(index, offsetBy: needed, limitedBy: bytes.endIndex) ?? bytes.endIndex
                header.append(contentsOf: bytes[index..<end])
                index = end
                guard header.count == 8 else { break }
                // A frame header is [0, 1 or 2, then three zero bytes]. Anything else is not output:
                // Podman, when the container goes away mid-stream, writes its JSON error into the
                // body (`{"cause":"no such container",...}`), which must not become a log line.
                guard header[0] <= 2, header[1] == 0, header[2] == 0, header[3] == 0 else {
                    let rest = header + Array(bytes[index...].prefix(300))
                    throw DockerAPIError(statusCode: nil, message: "the container engine ended the log stream with: \(String(decoding: rest, as: UTF8.self))")
                }
                // Type 2 is stderr; 1 is stdout and 0 (stdin, only with attach) is shown as stdout.
                frameStream = header[0] == 2 ? .stderr : .stdout
                remainingInFrame = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
                header.removeAll(keepingCapacity: true)
                continue
            }
            let end = bytes.index(index, offsetBy: remainingInFrame, limitedBy: bytes.endIndex) ?? bytes.endIndex
            let payload = bytes[index..<end]
            remainingInFrame -= payload.count
            index = end
            switch frameStream {
            case .stdout: lines += makeLines(stdoutLines.append(payload), stream: .stdout)
            case .stderr: lines += makeLines(stderrLines.append(payload), stream: .stderr)
            }
        }
        return lines
    }

    /// Output after the last newline of each stream, once the body has ended.
    mutating func finish() -> [LogLine] {
        var lines: [LogLine] = []
        if let rest = stdoutLines.finish() { lines += makeLines([rest], stream: .stdout) }
        if let rest = stderrLines.finish() { lines += makeLines([rest], stream: .stderr) }
        return lines
    }

    private func makeLines(_ lines: [[UInt8]], stream: LogLine.Stream) -> [LogLine] {
        lines.map { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard timestamps else { return LogLine(stream: stream, text: text) }
            let (timestamp, rest) = Self.splitTimestamp(text)
            return LogLine(stream: stream, text: rest, timestamp: timestamp)
        }
    }

    /// "2026-11-22T00:05:30.123Z hello" -> (date, "hello"); text without a parsable time is kept whole.
    static func splitTimestamp(_ text: String) -> (Date?, String) {
        guard let space = text.firstIndex(of: " "), let date = DockerDate.parse(String(text[..<space])) else {
            return (nil, text)
        }
        return (date, String(text[text.index(after: space)...]))
    }
}
