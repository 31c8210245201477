import Foundation
import NIOCore

/// A range of a file read in chunks as an `AsyncSequence` of `ByteBuffer`, so a layer is
/// streamed to the registry instead of being loaded into memory.
///
/// Reads are blocking `read(2)` calls of at most `readSize` bytes on a local file, short
/// enough not to matter on the cooperative pool (NIOFileSystem would avoid even that, but
/// it is not a dependency of this target).
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let url: URL
    let offset: Int64
    let length: Int64
    var readSize = 256 * 1024

    init(url: URL, offset: Int64, length: Int64) throws {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw OCIRegistryError.invalidArgument("cannot read blob file \(url.path)")
        }
        self.url = url
        self.offset = offset
        self.length = length
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: self)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunks: FileChunks
        private var handle: Handle?
        private var remaining: Int64

        init(chunks: FileChunks) {
            self.chunks = chunks
            self.remaining = chunks.length
        }

        mutating func next() async throws -> ByteBuffer? {
            guard remaining > 0 else {
                handle = nil  // closes the file now rather than when the iterator goes away
                return nil
            }
            if handle == nil {
                let fileHandle = try FileHandle(forReadingFrom: chunks.url)
                try fileHandle.seek(toOffset: UInt64(chunks.offset))
                handle = Handle(fileHandle)
            }
            let count = Int(Swift.min(Int64(chunks.readSize), remaining))
            guard let data = try handle?.fileHandle.read(upToCount: count), !data.isEmpty else {
                throw OCIRegistryError.invalidArgument("blob file \(chunks.url.path) ended \(remaining) bytes early: it changed during the upload")
            }
            remaining -= Int64(data.count)
            return ByteBuffer(data: data)
        }
    }

    /// Closes the file when the last copy of the iterator goes away, also when the upload
    /// stops early (registry error, cancellation).
    private final class Handle {
        let fileHandle: FileHandle
        init(_ fileHandle: FileHandle) { self.fileHandle = fileHandle }
        deinit { try? fileHandle.close() }
    }
}
