import Foundation
import NIOCore
import NIOFoundationCompat

/// A file, or a byte range of it, read in chunks as an `AsyncSequence` of `ByteBuffer`, so an
/// upload (a build context, a source archive, an image layer) is streamed from disk instead of
/// being loaded into memory.
///
/// Reads are blocking `read(2)` calls of at most `chunkSize` bytes on a local file, short
/// enough not to matter on the cooperative pool (NIOFileSystem would avoid even that, but it is
/// not a dependency of the clients that use this).
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    public let url: URL
    public let offset: Int64
    /// How many bytes the sequence yields: the rest of the file when it was created, unless a
    /// length was given. Sent as Content-Length.
    public let length: Int64
    public var chunkSize = 256 * 1024

    /// - Throws: `FileChunksError.unreadable` when the file cannot be opened or its size read.
    public init(url: URL, offset: Int64 = 0, length: Int64? = nil) throws {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw FileChunksError.unreadable(path: url.path, reason: "no readable file there")
        }
        self.url = url
        self.offset = offset
        if let length {
            self.length = length
        } else {
            do {
                let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
                self.length = Swift.max(0, size - offset)
            } catch {
                throw FileChunksError.unreadable(path: url.path, reason: error.localizedDescription)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let chunks: FileChunks
        private var handle: Handle?
        private var remaining: Int64

        init(chunks: FileChunks) {
            self.chunks = chunks
            self.remaining = chunks.length
        }

        /// - Throws: `FileChunksError.changedWhileReading` when the file ends before `length`
        ///   bytes: a Content-Length already sent would otherwise be a lie.
        public mutating func next() async throws -> ByteBuffer? {
            guard remaining > 0 else {
                handle = nil  // closes the file now rather than when the iterator goes away
                return nil
            }
            if handle == nil {
                let fileHandle = try FileHandle(forReadingFrom: chunks.url)
                if chunks.offset > 0 { try fileHandle.seek(toOffset: UInt64(chunks.offset)) }
                handle = Handle(fileHandle)
            }
            let count = Int(Swift.min(Int64(chunks.chunkSize), remaining))
            guard let data = try handle?.fileHandle.read(upToCount: count), !data.isEmpty else {
                handle = nil
                throw FileChunksError.changedWhileReading(path: chunks.url.path, missingBytes: remaining)
            }
            remaining -= Int64(data.count)
            return ByteBuffer(data: data)
        }
    }

    /// Closes the file when the last copy of the iterator goes away, also when the upload stops
    /// early (a server error, cancellation).
    private final class Handle {
        let fileHandle: FileHandle
        init(_ fileHandle: FileHandle) { self.fileHandle = fileHandle }
        deinit { try? fileHandle.close() }
    }
}

public enum FileChunksError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case changedWhileReading(path: String, missingBytes: Int64)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .changedWhileReading(let path, let missing):
            return "\(path) ended \(missing) bytes early: it changed while it was being uploaded"
        }
    }
}
