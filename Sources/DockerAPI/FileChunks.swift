import Foundation
import NIOCore

/// A file read in chunks as an `AsyncSequence` of `ByteBuffer`, so a build context is
/// streamed to the engine instead of being loaded into memory.
///
/// Reads are blocking `read(2)` calls of at most `chunkSize` bytes on a local file, short
/// enough not to matter on the cooperative pool (NIOFileSystem would avoid even that, but
/// it is not a dependency of this target).
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let url: URL
    /// The size at the time of creation; sent as Content-Length.
    let size: Int64
    var chunkSize = 256 * 1024

    init(url: URL) throws {
        self.url = url
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            self.size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw DockerAPIError(statusCode: nil, message: "cannot read build context \(url.path): \(error.localizedDescription)")
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(url: url, chunkSize: chunkSize)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let url: URL
        let chunkSize: Int
        private var handle: Handle?
        private var finished = false

        init(url: URL, chunkSize: Int) {
            self.url = url
            self.chunkSize = chunkSize
        }

        mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            if handle == nil {
                handle = Handle(try FileHandle(forReadingFrom: url))
            }
            guard let data = try handle?.fileHandle.read(upToCount: chunkSize), !data.isEmpty else {
                finished = true
                handle = nil  // closes the file now rather than when the iterator goes away
                return nil
            }
            return ByteBuffer(data: data)
        }
    }

    /// Closes the file when the last copy of the iterator goes away, also when the upload
    /// stops early (engine error, cancellation).
    private final class Handle {
        let fileHandle: FileHandle
        init(_ fileHandle: FileHandle) { self.fileHandle = fileHandle }
        deinit { try? fileHandle.close() }
    }
}
