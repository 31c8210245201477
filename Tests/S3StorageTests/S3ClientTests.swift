import FileChunks
import Foundation
import NIOCore
import S3Storage
import SlipwayTestSupport
import Testing

/// The client against moto's S3 server, a STAND-IN for Amazon S3 (none can run here): the same
/// REST API and answers. Each test uses its own bucket.
@Suite("S3 client against moto (S3 stand-in)", .serialized)
struct S3ClientTests {
    static func bucket(_ server: MotoS3Server, key: String = "test-key", secret: String = "test-secret") async throws -> S3Client {
        let name = "slipway-\(UUID().uuidString.prefix(8).lowercased())"
        try await server.makeBucket(name)  // S3Client only works inside one
        return try S3Client(configuration: .init(endpoint: server.endpoint, bucket: name, accessKeyId: key, secretAccessKey: secret))
    }

    @Test("a file streamed up comes back byte for byte; list shows keys and sizes by prefix; delete removes")
    func roundTrip() async throws {
        let server = try await MotoS3Server.start()
        defer { server.stop() }
        let client = try await Self.bucket(server)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // 3 MiB and a bit of random bytes: many chunks of FileChunks' 256 KiB.
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024 + 17)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let source = directory.appendingPathComponent("dump.bin")
        try Data(bytes).write(to: source)
        let key = "backups/db/2026-12-07 03:00 a+b=é.dump"
        try await client.put(key, body: try FileChunks(url: source), length: Int64(bytes.count))
        try await client.put("backups/db/small.txt", data: Data("hello".utf8), contentType: "text/plain")
        try await client.put("other/x", data: Data("x".utf8))

        let back = directory.appendingPathComponent("back.bin")
        #expect(try await client.download(key, to: back) == Int64(bytes.count))
        #expect(try Data(contentsOf: back) == Data(bytes))

        let listed = try await client.list(prefix: "backups/db/")
        #expect(listed.map(\.key) == ["backups/db/2026-12-07 03:00 a+b=é.dump", "backups/db/small.txt"])
        #expect(listed.map(\.size) == [Int64(bytes.count), 5])
        #expect(listed.allSatisfy { $0.lastModified != nil })

        try await client.delete(key)
        #expect(try await client.list(prefix: "backups/").map(\.key) == ["backups/db/small.txt"])
        await #expect(throws: S3Error.self) { try await client.download(key, to: back) }
        do { _ = try await client.get(key) } catch let error as S3Error {
            #expect(error.status == 404 && error.code == "NoSuchKey", "\(error)")
        }
    }

    @Test("a file larger than a part goes up in parts (multipart upload) and comes back byte for byte; a part under S3's minimum is refused")
    func multipart() async throws {
        let server = try await MotoS3Server.start()
        defer { server.stop() }
        let client = try await Self.bucket(server)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("s3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Two full 5 MiB parts and a short last one.
        var bytes = [UInt8](repeating: 0, count: 2 * 5 * 1024 * 1024 + 12345)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) }
        let source = directory.appendingPathComponent("big.bin")
        try Data(bytes).write(to: source)
        let ranges = Ranges()
        try await client.upload("big/dump", length: Int64(bytes.count), partSize: S3Client.minimumPartSize) { offset, count in
            ranges.append(offset, count)
            return try FileChunks(url: source, offset: offset, length: count)
        }
        let part: Int64 = 5 << 20
        let expected = [Pair(offset: 0, count: part), Pair(offset: part, count: part), Pair(offset: 2 * part, count: 12345)]
        #expect(ranges.all == expected)
        let back = directory.appendingPathComponent("back.bin")
        #expect(try await client.download("big/dump", to: back) == Int64(bytes.count))
        #expect(try Data(contentsOf: back) == Data(bytes))
        // S3 names a multipart object's ETag by its part count.
        #expect(try await client.list(prefix: "big/").first?.etag?.contains("-3") == true)

        // Small enough for one part: one PUT.
        try await client.upload("big/small", length: 5, partSize: S3Client.minimumPartSize) { offset, count in
            ranges.append(offset, count)
            return try FileChunks(url: source, offset: offset, length: count)
        }
        #expect(ranges.all.last == Pair(offset: 0, count: 5))
        await #expect(throws: S3Error.self) {
            try await client.upload("big/tiny-parts", length: Int64(bytes.count), partSize: 1024) { try FileChunks(url: source, offset: $0, length: $1) }
        }
        // A part that cannot be read: the upload is aborted and no object appears.
        struct Unreadable: Error {}
        await #expect(throws: Unreadable.self) {
            try await client.upload("big/broken", length: Int64(bytes.count), partSize: S3Client.minimumPartSize) { offset, count in
                guard offset == 0 else { throw Unreadable() }
                return try FileChunks(url: source, offset: offset, length: count)
            }
        }
        #expect(try await client.list(prefix: "big/").map(\.key) == ["big/dump", "big/small"])
    }

    struct Pair: Equatable {
        var offset: Int64
        var count: Int64
    }

    /// The byte ranges `upload` asked for, in order.
    final class Ranges: @unchecked Sendable {
        private let lock = NSLock()
        private var pairs: [Pair] = []
        func append(_ offset: Int64, _ count: Int64) { lock.withLock { pairs.append(Pair(offset: offset, count: count)) } }
        var all: [Pair] { lock.withLock { pairs } }
    }

    @Test("list follows continuation tokens past 1000 keys")
    func manyKeys() async throws {
        let server = try await MotoS3Server.start()
        defer { server.stop() }
        let client = try await Self.bucket(server)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<1005 {
                group.addTask { try await client.put(String(format: "k/%04d", i), data: Data()) }
                if i % 16 == 15 { try await group.next() }
            }
            try await group.waitForAll()
        }
        let listed = try await client.list(prefix: "k/")
        #expect(listed.count == 1005)
        #expect(listed.last?.key == "k/1004")
    }

    @Test("refusals: a missing bucket is the server's NoSuchBucket; bad names and keys are refused before any request")
    func refusals() async throws {
        let server = try await MotoS3Server.start()
        defer { server.stop() }
        let missing = try S3Client(configuration: .init(endpoint: server.endpoint, bucket: "no-such-bucket-here", accessKeyId: "k", secretAccessKey: "s"))
        do {
            try await missing.put("a", data: Data("x".utf8))
            Issue.record("PUT into a missing bucket worked")
        } catch let error as S3Error {
            #expect(error.code == "NoSuchBucket" && error.status == 404, "\(error)")
            #expect(error.description.contains("PUT a failed with HTTP 404 (NoSuchBucket"))
        }
        #expect(throws: S3Error.self) {
            try S3Client(configuration: .init(endpoint: server.endpoint, bucket: "Bad_Bucket", accessKeyId: "k", secretAccessKey: "s"))
        }
        #expect(throws: S3Error.self) {
            try S3Client(configuration: .init(endpoint: URL(string: "ftp://x")!, bucket: "fine", accessKeyId: "k", secretAccessKey: "s"))
        }
        let client = try await Self.bucket(server)
        await #expect(throws: S3Error.self) { try await client.put("", data: Data()) }
        await #expect(throws: S3Error.self) { try await client.put("a\u{0}b", data: Data()) }
    }
}
