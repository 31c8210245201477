import FileChunks
import Foundation
import NIOCore
import Testing

struct FileChunksTests {
    /// A file of `size` bytes counting 0...255 over and over, so a wrong offset shows.
    func makeFile(size: Int) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("file-chunks-\(UUID().uuidString)")
        try Data((0..<size).map { UInt8($0 % 256) }).write(to: url)
        return url
    }

    func collect(_ chunks: FileChunks) async throws -> (bytes: [UInt8], chunkSizes: [Int]) {
        var bytes: [UInt8] = []
        var sizes: [Int] = []
        for try await var buffer in chunks {
            sizes.append(buffer.readableBytes)
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return (bytes, sizes)
    }

    @Test func wholeFileInChunksOfTheGivenSize() async throws {
        let url = try makeFile(size: 1000)
        defer { try? FileManager.default.removeItem(at: url) }
        var chunks = try FileChunks(url: url)
        chunks.chunkSize = 300
        #expect(chunks.length == 1000)
        let read = try await collect(chunks)
        #expect(read.chunkSizes == [300, 300, 300, 100])
        #expect(read.bytes == (0..<1000).map { UInt8($0 % 256) })
    }

    @Test func aRangeOfTheFile() async throws {
        let url = try makeFile(size: 1000)
        defer { try? FileManager.default.removeItem(at: url) }
        let read = try await collect(try FileChunks(url: url, offset: 700, length: 200))
        #expect(read.bytes == (700..<900).map { UInt8($0 % 256) })
    }

    @Test func anEmptyFileYieldsNothing() async throws {
        let url = try makeFile(size: 0)
        defer { try? FileManager.default.removeItem(at: url) }
        let read = try await collect(try FileChunks(url: url))
        #expect(read.chunkSizes.isEmpty)
    }

    @Test func aMissingFileIsRefusedUpFront() throws {
        #expect(throws: FileChunksError.unreadable(path: "/nonexistent/upload.tar", reason: "no readable file there")) {
            try FileChunks(url: URL(fileURLWithPath: "/nonexistent/upload.tar"))
        }
    }

    /// The length was promised as Content-Length: a file that shrinks must fail the upload,
    /// not end it short.
    @Test func aFileThatShrinksWhileReadFails() async throws {
        let url = try makeFile(size: 1000)
        defer { try? FileManager.default.removeItem(at: url) }
        let chunks = try FileChunks(url: url)
        try Data(count: 10).write(to: url)
        await #expect(throws: FileChunksError.changedWhileReading(path: url.path, missingBytes: 990)) {
            _ = try await collect(chunks)
        }
    }
}
