import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import OCIRegistry
import SlipwayTestSupport

/// A blob on disk with its digest, made of random bytes so no two tests share content.
struct BlobFixture {
    let file: URL
    let digest: OCIDigest
    let size: Int64

    /// Writes `size` random bytes in 1 MiB pieces to a new file in `directory`.
    static func random(size: Int, in directory: URL) throws -> BlobFixture {
        let file = directory.appendingPathComponent("blob-\(UUID().uuidString.prefix(8))")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var remaining = size
        while remaining > 0 {
            let count = min(remaining, 1 << 20)
            let words = (0..<(count + 7) / 8).map { _ in generator.next() }
            handle.write(words.withUnsafeBytes { Data($0.prefix(count)) })
            remaining -= count
        }
        let (digest, measured) = try OCIDigest.sha256(ofFile: file)
        return BlobFixture(file: file, digest: digest, size: measured)
    }
}

/// A temporary directory removed by `remove()`.
struct Scratch {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-oci-files-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// A repository name nobody else uses in the suite's registry.
func uniqueRepository(_ prefix: String) -> String {
    "slipway/\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Reads a blob back from an unauthenticated registry the way a puller would, hashing the
/// streamed body, and returns (digest, size) of what the registry serves.
func fetchBlobDigest(registry: TestRegistry, repository: String, digest: OCIDigest) async throws -> (OCIDigest, Int64) {
    let request = HTTPClientRequest(url: "http://\(registry.host)/v2/\(repository)/blobs/\(digest)")
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    guard response.status == .ok else { throw TestFailure("GET blob \(digest): HTTP \(response.status.code)") }
    var hasher = SHA256()
    var size: Int64 = 0
    for try await buffer in response.body {
        buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        size += Int64(buffer.readableBytes)
    }
    let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    return (try OCIDigest("sha256:" + hex), size)
}

/// An image manifest for blobs already pushed, as bytes.
func manifestBytes(config: OCIDescriptor, layers: [OCIDescriptor], mediaType: String = OCIMediaType.imageManifest) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(ImageManifest(mediaType: mediaType, config: config, layers: layers))
}
