import Foundation

/// Backups in a directory (by default under the server's `--data`): `DIR/APP/ADDON/ID.dump`
/// and its record `ID.json`. A backup is written to `.ID.partial`, renamed when complete, and its
/// record written last (atomically), so listing never shows a partial one; leftovers of a
/// killed server are removed by `removeLeftovers`.
public struct DirectoryBackupStore: BackupStore {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    func folder(_ app: String, _ addon: String) -> URL {
        directory.appendingPathComponent(app, isDirectory: true).appendingPathComponent(addon, isDirectory: true)
    }

    public func stagingFile(app: String, addon: String, id: String) throws -> URL {
        try BackupNames.check(app, addon, id)
        let folder = folder(app, addon)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder.appendingPathComponent(".\(id).partial")
    }

    public func save(_ staged: URL, app: String, addon: String, id: String, kind: String, createdAt: Date, duration: Double,
                     source: BackupSourceCounts?) async throws -> BackupRecord {
        try BackupNames.check(app, addon, id)
        let (size, hex) = try await FileDigest.sha256(of: staged)
        let target = folder(app, addon).appendingPathComponent("\(id).dump")
        // One rename(2): staging is in the same folder.
        try FileManager.default.moveItem(at: staged, to: target)
        var record = BackupRecord(id: id, app: app, addon: addon, kind: kind, createdAt: createdAt, size: size, sha256: hex, duration: duration)
        record.source = source
        try BackupNames.encoder.encode(record).write(to: folder(app, addon).appendingPathComponent("\(id).json"), options: .atomic)
        return record
    }

    public func list(app: String, addon: String) async throws -> [BackupRecord] {
        try BackupNames.check(app, addon)
        let folder = folder(app, addon)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                  let record = try? BackupNames.decoder.decode(BackupRecord.self, from: data),
                  FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(record.id).dump").path) else { return nil }
            return record
        }.sorted { $0.createdAt == $1.createdAt ? $0.id > $1.id : $0.createdAt > $1.createdAt }
    }

    public func fetch(_ record: BackupRecord, to file: URL) async throws {
        try BackupNames.check(record.app, record.addon, record.id)
        let source = folder(record.app, record.addon).appendingPathComponent("\(record.id).dump")
        try? FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(at: source, to: file)
        let (size, hex) = try await FileDigest.sha256(of: file)
        guard size == record.size, hex == record.sha256 else {
            try? FileManager.default.removeItem(at: file)
            throw BackupStoreError("backup \(record.id) of \(record.app)/\(record.addon) is damaged: its SHA-256 is \(hex) (\(size) bytes), recorded \(record.sha256) (\(record.size) bytes); restore another one")
        }
    }

    public func delete(_ record: BackupRecord) async throws {
        try BackupNames.check(record.app, record.addon, record.id)
        let folder = folder(record.app, record.addon)
        // The record first: from then on the backup is not listed, whatever happens to the data.
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(record.id).json"))
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(record.id).dump"))
    }

    public func update(_ record: BackupRecord) async throws {
        try BackupNames.check(record.app, record.addon, record.id)
        let folder = folder(record.app, record.addon)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(record.id).json").path) else {
            throw BackupStoreError("backup \(record.id) of \(record.app)/\(record.addon) is not in the store")
        }
        try BackupNames.encoder.encode(record).write(to: folder.appendingPathComponent("\(record.id).json"), options: .atomic)
    }

    /// Removes the partial files a killed server left (never listed); returns the backups they were.
    @discardableResult
    public func removeLeftovers() -> [BackupLeftover] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var removed: [BackupLeftover] = []
        for case let url as URL in walker where url.lastPathComponent.hasSuffix(".partial") {
            guard (try? FileManager.default.removeItem(at: url)) != nil else { continue }
            // DIR/APP/ADDON/.ID.partial
            let folder = url.deletingLastPathComponent()
            removed.append(BackupLeftover(app: folder.deletingLastPathComponent().lastPathComponent, addon: folder.lastPathComponent,
                                          id: String(url.lastPathComponent.dropFirst().dropLast(".partial".count))))
        }
        return removed
    }
}

/// A backup a killed server was making: its partial file is removed at the next start, and the
/// backup reported as failed.
public struct BackupLeftover: Sendable, Equatable {
    public var app: String
    public var addon: String
    public var id: String

    public init(app: String, addon: String, id: String) {
        (self.app, self.addon, self.id) = (app, addon, id)
    }
}
