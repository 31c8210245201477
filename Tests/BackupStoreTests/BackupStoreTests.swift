import BackupStore
import Foundation
import S3Storage
import SlipwayTestSupport
import Testing

/// What every store must do: a saved backup is listed with its size and SHA-256 and comes back
/// byte for byte; a partial one (the server killed while writing) is never listed; damaged
/// bytes are refused on fetch; delete removes.
enum StoreContract {
    static func exercise(_ store: any BackupStore, app: String) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var bytes = [UInt8](repeating: 0, count: 700_001)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }

        let first = try store.stagingFile(app: app, addon: "db", id: "20261207T030000Z")
        try Data(bytes).write(to: first)
        let older = try await store.save(first, app: app, addon: "db", id: "20261207T030000Z", kind: "postgres",
                                         createdAt: Date(timeIntervalSince1970: 1_796_600_000), duration: 1.5)
        #expect(older.size == 700_001 && older.sha256.count == 64)
        let second = try store.stagingFile(app: app, addon: "db", id: "20261208T030000Z")
        try Data("newer".utf8).write(to: second)
        let counts = BackupSourceCounts(tables: ["public.t": 2, "\"odd name\".x": 0])
        let newer = try await store.save(second, app: app, addon: "db", id: "20261208T030000Z", kind: "postgres",
                                         createdAt: Date(timeIntervalSince1970: 1_796_686_400), duration: 0.2, source: counts)
        #expect(newer.sha256 == "804f51f71254c4081e37e7c887073560f4a6fa6cdad202e9ac67e032c43ed1e1", "sha256sum of \"newer\"")
        #expect(newer.size == 5 && newer.kind == "postgres" && newer.duration == 0.2)

        // A backup cut off part-way: its bytes are staged, nothing saved.
        let partial = try store.stagingFile(app: app, addon: "db", id: "20261209T030000Z")
        try Data("half a dump".utf8).write(to: partial)

        let listed = try await store.list(app: app, addon: "db")
        #expect(listed.map(\.id) == ["20261208T030000Z", "20261207T030000Z"], "newest first, the partial one absent")
        #expect(listed.last == older)
        #expect(listed.first?.source == counts, "what the source held is kept with the record")
        #expect(try await store.list(app: app, addon: "cache").isEmpty)

        let back = scratch.appendingPathComponent("back.dump")
        try await store.fetch(older, to: back)
        #expect(try Data(contentsOf: back) == Data(bytes))

        var forged = older
        forged.sha256 = String(repeating: "0", count: 64)
        await #expect(throws: BackupStoreError.self) { try await store.fetch(forged, to: back) }

        try await store.delete(older)
        #expect(try await store.list(app: app, addon: "db").map(\.id) == ["20261208T030000Z"])
        #expect(throws: BackupStoreError.self) { try store.stagingFile(app: app, addon: "../etc", id: "x") }
        #expect(throws: BackupStoreError.self) { try store.stagingFile(app: app, addon: "db", id: ".hidden") }
    }
}

@Suite struct DirectoryBackupStoreTests {
    @Test("the store contract on a directory; a killed server's partial file is never listed and is removed at start")
    func contract() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = DirectoryBackupStore(directory: directory)
        try await StoreContract.exercise(store, app: "shop")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("shop/db/.20261209T030000Z.partial").path))
        #expect(store.removeLeftovers() == [BackupLeftover(app: "shop", addon: "db", id: "20261209T030000Z")])
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("shop/db/.20261209T030000Z.partial").path))
        #expect(try await store.list(app: "shop", addon: "db").count == 1)
    }

    @Test("damaged bytes on disk are refused on fetch with what to do")
    func damaged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = DirectoryBackupStore(directory: directory)
        let staged = try store.stagingFile(app: "shop", addon: "db", id: "one")
        try Data("original".utf8).write(to: staged)
        let record = try await store.save(staged, app: "shop", addon: "db", id: "one", kind: "redis", createdAt: Date(), duration: 0)
        try Data("tampered".utf8).write(to: directory.appendingPathComponent("shop/db/one.dump"))
        do {
            try await store.fetch(record, to: directory.appendingPathComponent("out"))
            Issue.record("a damaged backup was fetched")
        } catch let error as BackupStoreError {
            #expect(error.message.contains("is damaged") && error.message.contains("restore another one"))
        }
    }

    @Test("--backup-store: a directory or s3://BUCKET/PREFIX with endpoint and keys from the environment")
    func locations() throws {
        #expect(try BackupStoreLocation.parse("/var/backups", environment: [:]) == .directory(URL(fileURLWithPath: "/var/backups", isDirectory: true)))
        #expect(try BackupStoreLocation.parse("s3://my-backups/slipway/prod/", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_REGION": "eu-west-1"])
            == .s3(endpoint: URL(string: "http://127.0.0.1:9000")!, bucket: "my-backups", prefix: "slipway/prod", region: "eu-west-1"))
        #expect(try BackupStoreLocation.parse("s3://b", environment: [:]) == .s3(endpoint: URL(string: "https://s3.us-east-1.amazonaws.com")!, bucket: "b", prefix: "", region: "us-east-1"))
        #expect(throws: BackupStoreError.self) { try BackupStoreLocation.parse("backups", environment: [:]) }
        #expect(throws: BackupStoreError.self) { try BackupStoreLocation.parse("s3:///prefix", environment: [:]) }
        #expect(throws: BackupStoreError.self) { try BackupStoreLocation.parse("s3://b", environment: ["AWS_ENDPOINT_URL": "ftp://x"]) }
        do {
            _ = try BackupStoreLocation.parse("s3://b", environment: [:]).store(environment: [:], staging: URL(fileURLWithPath: "/tmp"))
            Issue.record("an S3 store without keys was made")
        } catch let error as BackupStoreError {
            #expect(error.message.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
        }
    }
}

/// The S3 store against moto's S3 server, a STAND-IN for Amazon S3 (none can run here).
@Suite("S3 backup store against moto (S3 stand-in)")
struct S3BackupStoreTests {
    @Test("the store contract in S3 under a prefix")
    func contract() async throws {
        let server = try await MotoS3Server.start()
        defer { server.stop() }
        let bucket = "backups-\(UUID().uuidString.prefix(8).lowercased())"
        try await server.makeBucket(bucket)
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        let location = try BackupStoreLocation.parse("s3://\(bucket)/slipway/prod", environment: ["AWS_ENDPOINT_URL": server.endpoint.absoluteString])
        let store = try location.store(environment: ["AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"], staging: staging)
        try await StoreContract.exercise(store, app: "shop")
        let client = try S3Client(configuration: .init(endpoint: server.endpoint, bucket: bucket, accessKeyId: "test", secretAccessKey: "test"))
        #expect(try await client.list(prefix: "slipway/prod/shop/db/").map(\.key) == ["slipway/prod/shop/db/20261208T030000Z.dump", "slipway/prod/shop/db/20261208T030000Z.json"])
        // The partial backup was staged locally only: removed at start, reported by what it was.
        let s3 = try #require(store as? S3BackupStore)
        #expect(s3.removeLeftovers() == [BackupLeftover(app: "shop", addon: "db", id: "20261209T030000Z")])
        #expect(s3.removeLeftovers().isEmpty)
    }
}
