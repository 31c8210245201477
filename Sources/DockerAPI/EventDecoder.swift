import Foundation
import NIOCore

/// Decodes the body of `GET /events`: one JSON object per line, for as long as the
/// connection stays open. A line that is not a valid event is skipped (and not fatal), so an
/// engine adding fields or event kinds cannot stop the stream.
struct EventDecoder: StreamDecoder {
    private var lines = LineBuffer()

    mutating func consume(_ buffer: ByteBuffer) -> [DockerEvent] {
        lines.append(buffer.readableBytesView).compactMap(Self.event)
    }

    mutating func finish() -> [DockerEvent] {
        lines.finish().flatMap(Self.event).map { [$0] } ?? []
    }

    static func event(_ line: [UInt8]) -> DockerEvent? {
        guard !line.isEmpty, let wire = try? JSONDecoder().decode(WireEvent.self, from: Data(line)) else { return nil }
        return DockerEvent(wire: wire)
    }
}
