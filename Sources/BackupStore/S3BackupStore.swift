import FileChunks
import Foundation
import S3Storage

/// Backups in S3-compatible storage: `PREFIX/APP/ADDON/ID.dump` and `ID.json`, the record
/// uploaded after the data (an S3 PUT is all or nothing, so a killed upload leaves no object).
/// Bytes are staged in a local directory first (`pg_dump` does not say its size beforehand).
public struct S3BackupStore: BackupStore {
    public let client: S3Client
    public let prefix: String
    public let staging: URL

    public init(client: S3Client, prefix: String, staging: URL) {
        self.client = client
        var prefix = prefix
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.prefix = prefix
        self.staging = staging
    }

    func key(_ app: String, _ addon: String, _ name: String) -> String {
        (prefix.isEmpty ? "" : prefix + "/") + "\(app)/\(addon)/\(name)"
    }

    public func stagingFile(app: String, addon: String, id: String) throws -> URL {
        try BackupNames.check(app, addon, id)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return staging.appendingPathComponent(".\(app).\(addon).\(id).partial")
    }

    public func save(_ staged: URL, app: String, addon: String, id: String, kind: String, createdAt: Date, duration: Double,
                     source: BackupSourceCounts?) async throws -> BackupRecord {
        try BackupNames.check(app, addon, id)
        defer { try? FileManager.default.removeItem(at: staged) }
        let (size, hex) = try await FileDigest.sha256(of: staged)
        // In parts past 64 MiB (S3's multipart upload): one PUT takes at most 5 GiB.
        try await client.upload(key(app, addon, "\(id).dump"), length: size) { try FileChunks(url: staged, offset: $0, length: $1) }
        var record = BackupRecord(id: id, app: app, addon: addon, kind: kind, createdAt: createdAt, size: size, sha256: hex, duration: duration)
        record.source = source
        try await client.put(key(app, addon, "\(id).json"), data: try BackupNames.encoder.encode(record), contentType: "application/json")
        return record
    }

    public func list(app: String, addon: String) async throws -> [BackupRecord] {
        try BackupNames.check(app, addon)
        let objects = try await client.list(prefix: key(app, addon, ""))
        let dumps = Set(objects.map(\.key).filter { $0.hasSuffix(".dump") })
        var records: [BackupRecord] = []
        for object in objects where object.key.hasSuffix(".json") {
            let file = staging.appendingPathComponent(".list-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: file) }
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try await client.download(object.key, to: file)
            guard let data = FileManager.default.contents(atPath: file.path),
                  let record = try? BackupNames.decoder.decode(BackupRecord.self, from: data),
                  dumps.contains(key(app, addon, "\(record.id).dump")) else { continue }
            records.append(record)
        }
        return records.sorted { $0.createdAt == $1.createdAt ? $0.id > $1.id : $0.createdAt > $1.createdAt }
    }

    public func fetch(_ record: BackupRecord, to file: URL) async throws {
        try BackupNames.check(record.app, record.addon, record.id)
        try await client.download(key(record.app, record.addon, "\(record.id).dump"), to: file)
        let (size, hex) = try await FileDigest.sha256(of: file)
        guard size == record.size, hex == record.sha256 else {
            try? FileManager.default.removeItem(at: file)
            throw BackupStoreError("backup \(record.id) of \(record.app)/\(record.addon) is damaged in S3: its SHA-256 is \(hex) (\(size) bytes), recorded \(record.sha256) (\(record.size) bytes); restore another one")
        }
    }

    public func delete(_ record: BackupRecord) async throws {
        try BackupNames.check(record.app, record.addon, record.id)
        try await client.delete(key(record.app, record.addon, "\(record.id).json"))
        try await client.delete(key(record.app, record.addon, "\(record.id).dump"))
    }

    public func update(_ record: BackupRecord) async throws {
        try BackupNames.check(record.app, record.addon, record.id)
        try await client.put(key(record.app, record.addon, "\(record.id).json"), data: try BackupNames.encoder.encode(record),
                             contentType: "application/json")
    }

    /// Removes the staged files a killed server left (nothing of them reached the bucket);
    /// returns the backups they were.
    @discardableResult
    public func removeLeftovers() -> [BackupLeftover] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
        return names.filter { $0.hasPrefix(".") && $0.hasSuffix(".partial") }.compactMap { name in
            guard (try? FileManager.default.removeItem(at: staging.appendingPathComponent(name))) != nil else { return nil }
            // .APP.ADDON.ID.partial: names and ids hold no dots (DNS labels, `AddonBackups.newID`).
            let parts = name.dropFirst().dropLast(".partial".count).split(separator: ".")
            guard parts.count == 3 else { return nil }
            return BackupLeftover(app: String(parts[0]), addon: String(parts[1]), id: String(parts[2]))
        }
    }
}
