import Foundation
import NIOCore

/// Reads the JSON-lines answer of `POST /build`.
///
/// Each line is one object: `{"stream": "text"}` (build output, not necessarily whole
/// lines), `{"aux": {"ID": "sha256:..."}}` (the result), `{"status": ...}` (pull progress),
/// or `{"error": ..., "errorDetail": {"message": ...}}` when a step fails. A failure still
/// comes with HTTP 200, so the stream, not the status, says whether the build worked.
struct BuildOutputParser: Sendable {
    enum Event: Sendable, Equatable {
        /// One line of build output, without its newline.
        case output(String)
        /// The build failed; the engine's message.
        case failure(String)
    }

    private var jsonLines = LineBuffer()
    private var outputLines = LineBuffer()
    private var auxID: String?
    private var successfullyBuiltID: String?
    private var lastOutputLine: String?

    /// The built image's id once the stream is finished: `aux.ID` when the engine sent one,
    /// else the id in Docker's "Successfully built ID" line, else Podman's last output line,
    /// which is the id alone.
    var imageID: String? {
        if let auxID { return auxID }
        if let successfullyBuiltID { return successfullyBuiltID }
        if let lastOutputLine, Self.looksLikeID(lastOutputLine) { return lastOutputLine }
        return nil
    }

    mutating func consume(_ buffer: ByteBuffer) -> [Event] {
        jsonLines.append(buffer.readableBytesView).flatMap { parseLine($0) }
    }

    mutating func finish() -> [Event] {
        var events = jsonLines.finish().map { parseLine($0) } ?? []
        if let rest = outputLines.finish() {
            events += outputEvents([rest])
        }
        return events
    }

    private struct WireLine: Decodable {
        struct Aux: Decodable { var ID: String? }
        struct ErrorDetail: Decodable { var message: String? }
        var stream: String?
        var status: String?
        var progress: String?
        var id: String?
        var aux: Aux?
        var error: String?
        var errorDetail: ErrorDetail?
    }

    private mutating func parseLine(_ bytes: [UInt8]) -> [Event] {
        guard bytes.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { return [] }
        guard let line = try? JSONDecoder().decode(WireLine.self, from: Data(bytes)) else {
            // Not JSON: pass it on rather than lose it.
            return outputEvents([bytes])
        }
        if line.error != nil || line.errorDetail?.message != nil {
            let message = line.errorDetail?.message ?? line.error ?? "build failed"
            return [.failure(message.trimmingCharacters(in: .whitespacesAndNewlines))]
        }
        var events: [Event] = []
        if let stream = line.stream {
            events += outputEvents(outputLines.append(stream.utf8))
        }
        if let status = line.status, line.progress == nil {
            // Pull progress lines (with `progress`) would flood the output; the rest are short.
            events.append(.output(line.id.map { "\($0): \(status)" } ?? status))
        }
        if let id = line.aux?.ID {
            auxID = id
        }
        return events
    }

    private mutating func outputEvents(_ lines: [[UInt8]]) -> [Event] {
        lines.map { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("Successfully built ") {
                successfullyBuiltID = String(trimmed.dropFirst("Successfully built ".count))
            }
            if !trimmed.isEmpty {
                lastOutputLine = trimmed
            }
            return .output(text)
        }
    }

    static func looksLikeID(_ text: String) -> Bool {
        let hex = text.hasPrefix("sha256:") ? text.dropFirst(7) : Substring(text)
        return hex.count >= 12 && hex.count <= 64 && hex.allSatisfy(\.isHexDigit)
    }
}
