import Foundation
import NIOCore
import NIOFoundationCompat

/// A file as an async sequence of `ByteBuffer` chunks: upload bodies are streamed from disk,
/// so a large source archive is never held in memory.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let url: URL
    let chunkSize: Int

    init(url: URL, chunkSize: Int = 256 * 1024) {
        self.url = url
        self.chunkSize = chunkSize
    }

    func makeAsyncIterator() -> Iterator { Iterator(url: url, chunkSize: chunkSize) }

    struct Iterator: AsyncIteratorProtocol {
        let url: URL
        let chunkSize: Int
        var handle: FileHandle?
        var done = false

        init(url: URL, chunkSize: Int) {
            self.url = url
            self.chunkSize = chunkSize
        }

        mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if handle == nil { handle = try FileHandle(forReadingFrom: url) }
            guard let handle, let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {
                try? handle?.close()
                done = true
                return nil
            }
            return ByteBuffer(data: data)
        }
    }
}
