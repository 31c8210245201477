import Crypto
import FileChunks
import Foundation
import NIOCore

enum FileDigest {
    /// Size and hex SHA-256 of a file, read in chunks.
    static func sha256(of file: URL) async throws -> (size: Int64, hex: String) {
        var hasher = SHA256()
        var size: Int64 = 0
        for try await chunk in try FileChunks(url: file) {
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            size += Int64(chunk.readableBytes)
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
