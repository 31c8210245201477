import Foundation
import NIOCore
import Testing

@testable import DockerAPI

@Suite struct LogFrameDecoderTests {
    static func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let size = UInt32(payload.count)
        return [stream, 0, 0, 0, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + payload
    }

    static func decode(_ chunks: [[UInt8]], mode: LogFrameDecoder.Mode = .multiplexed, timestamps: Bool = false) throws -> [LogLine] {
        var decoder = LogFrameDecoder(mode: mode, timestamps: timestamps)
        var lines: [LogLine] = []
        for chunk in chunks {
            lines += try decoder.consume(ByteBuffer(bytes: chunk))
        }
        return lines + decoder.finish()
    }

    @Test func decodesWholeFrames() throws {
        let bytes = Self.frame(1, "one\ntwo\n") + Self.frame(2, "oops\n")
        #expect(try Self.decode([bytes]) == [
            LogLine(stream: .stdout, text: "one"),
            LogLine(stream: .stdout, text: "two"),
            LogLine(stream: .stderr, text: "oops"),
        ])
    }

    @Test(arguments: [1, 2, 3, 5, 7, 8, 9, 13])
    func decodesFramesSplitAcrossBuffersAtEveryOffset(chunkSize: Int) throws {
        let bytes = Self.frame(1, "hello ") + Self.frame(2, "err line\n") + Self.frame(1, "world\nlast")
        let chunks = stride(from: 0, to: bytes.count, by: chunkSize).map { Array(bytes[$0..<min($0 + chunkSize, bytes.count)]) }
        #expect(try Self.decode(chunks) == [
            LogLine(stream: .stderr, text: "err line"),
            LogLine(stream: .stdout, text: "hello world"),
            LogLine(stream: .stdout, text: "last"),
        ])
    }

    @Test func keepsStreamsApartWhenALineSpansFrames() throws {
        let bytes = Self.frame(1, "par") + Self.frame(2, "e1\n") + Self.frame(1, "tial\r\n")
        #expect(try Self.decode([bytes]) == [LogLine(stream: .stderr, text: "e1"), LogLine(stream: .stdout, text: "partial")])
    }

    @Test func emptyFramesAndStdinFrames() throws {
        let bytes = Self.frame(1, "") + Self.frame(0, "in\n")
        #expect(try Self.decode([bytes]) == [LogLine(stream: .stdout, text: "in")])
    }

    @Test func rawStreamIsAllStdout() throws {
        #expect(try Self.decode([Array("a\nb".utf8), Array("c\n".utf8)], mode: .raw) == [
            LogLine(stream: .stdout, text: "a"), LogLine(stream: .stdout, text: "bc"),
        ])
    }

    @Test func splitsTimestamps() throws {
        let lines = try Self.decode([Self.frame(1, "2026-11-22T00:05:30.123456789Z hello world\nno-time here\n")], timestamps: true)
        #expect(lines.map(\.text) == ["hello world", "no-time here"])
        let time = try #require(lines[0].timestamp)
        #expect(abs(time.timeIntervalSince1970 - 1_795_305_930.123456789) < 0.000_01)
        #expect(lines[1].timestamp == nil)
    }

    @Test func lineBufferCapsLongLines() throws {
        var buffer = LineBuffer(maxLineBytes: 4)
        #expect(buffer.append(Array("abcdefg\nh".utf8)).map { String(decoding: $0, as: UTF8.self) } == ["abcd", "efg"])
        #expect(buffer.finish().map { String(decoding: $0, as: UTF8.self) } == "h")
        #expect(buffer.finish() == nil)
    }

    /// Podman writes its JSON error into a log stream whose container went away: an error, not a line.
    @Test func anEngineErrorInTheStreamIsNotALogLine() throws {
        let bytes = Self.frame(1, "fine\n") + Array(#"{"cause":"no such container","message":"failed to obtain logs","response":500}"#.utf8)
        let error = #expect(throws: DockerAPIError.self) { try Self.decode([bytes]) }
        #expect(error?.message.contains("no such container") == true)
    }
}
