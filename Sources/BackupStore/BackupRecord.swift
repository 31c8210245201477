import Foundation

/// One finished backup as the store keeps it beside the data: what it is of, when, how big, its
/// SHA-256 and how long it took. A backup is listed only once this record exists, and the record
/// is written last, so a backup cut off part-way (a killed server) is never listed.
public struct BackupRecord: Codable, Sendable, Equatable {
    public var id: String
    public var app: String
    public var addon: String
    /// `postgres` or `redis`.
    public var kind: String
    public var createdAt: Date
    public var size: Int64
    /// Hex SHA-256 of the stored bytes.
    public var sha256: String
    /// Seconds the dump took.
    public var duration: Double
    /// What the source held when it was dumped, for the verification to compare with.
    public var source: BackupSourceCounts?
    /// The verification restore's outcome, once it ran (the record is rewritten with it).
    public var verification: BackupVerification?

    public init(id: String, app: String, addon: String, kind: String, createdAt: Date, size: Int64, sha256: String, duration: Double) {
        self.id = id
        self.app = app
        self.addon = addon
        self.kind = kind
        self.createdAt = createdAt
        self.size = size
        self.sha256 = sha256
        self.duration = duration
    }
}

/// What an add-on held when it was dumped: Postgres' rows per table (counted in the dump's own
/// snapshot), Redis' keys right before and right after the dump.
public struct BackupSourceCounts: Codable, Sendable, Equatable {
    public var tables: [String: Int64]?
    public var keys: Int64?
    public var keysAfter: Int64?

    public init(tables: [String: Int64]? = nil, keys: Int64? = nil, keysAfter: Int64? = nil) {
        (self.tables, self.keys, self.keysAfter) = (tables, keys, keysAfter)
    }
}

/// What restoring a backup into a throwaway container showed.
public struct BackupVerification: Codable, Sendable, Equatable {
    public var verified: Bool
    public var at: Date
    public var message: String
    public var tables: Int?
    public var rows: Int64?
    public var keys: Int64?

    public init(verified: Bool, at: Date, message: String, tables: Int? = nil, rows: Int64? = nil, keys: Int64? = nil) {
        (self.verified, self.at, self.message, self.tables, self.rows, self.keys) = (verified, at, message, tables, rows, keys)
    }
}

/// Why the store refused or failed; messages say what to do.
public struct BackupStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where backups go, and how they are named there: `APP/ADDON/ID.dump` with `APP/ADDON/ID.json`.
public protocol BackupStore: Sendable {
    /// A local file to write a new backup's bytes to before `save` (on the store's filesystem
    /// when it is a directory, so `save` is a rename).
    func stagingFile(app: String, addon: String, id: String) throws -> URL
    /// Moves the finished `staged` file into the store and records it (with what the source held
    /// at dump time); returns the record.
    func save(_ staged: URL, app: String, addon: String, id: String, kind: String, createdAt: Date, duration: Double,
              source: BackupSourceCounts?) async throws -> BackupRecord
    /// Finished backups of an add-on, newest first.
    func list(app: String, addon: String) async throws -> [BackupRecord]
    /// Writes the backup's bytes to `file`, checking them against the recorded SHA-256.
    func fetch(_ record: BackupRecord, to file: URL) async throws
    func delete(_ record: BackupRecord) async throws
    /// Writes `record` again over the listed one of the same id (its verification added); the
    /// backup's bytes are not touched.
    func update(_ record: BackupRecord) async throws
}

extension BackupStore {
    public func save(_ staged: URL, app: String, addon: String, id: String, kind: String, createdAt: Date, duration: Double) async throws -> BackupRecord {
        try await save(staged, app: app, addon: addon, id: id, kind: kind, createdAt: createdAt, duration: duration, source: nil)
    }

    /// The listed backup `id` of the add-on; nil when there is none (never a path: ids are checked).
    public func record(app: String, addon: String, id: String) async throws -> BackupRecord? {
        try BackupNames.check(app, addon, id)
        return try await list(app: app, addon: addon).first { $0.id == id }
    }

}

extension BackupRecord {
    /// Refuses an id that could not name a backup (a path, a leading dot, odd characters).
    public static func checkID(_ id: String) throws {
        try BackupNames.check(id)
    }
}

enum BackupNames {
    /// Ids and names are path parts: letters, digits, '-', '_' and '.', not starting with '.'.
    static func check(_ parts: String...) throws {
        for part in parts {
            guard !part.isEmpty, part.count <= 128, !part.hasPrefix("."),
                  part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw BackupStoreError("\"\(part.prefix(64))\" cannot name a backup or its add-on (letters, digits, '-', '_', '.'; not starting with '.')")
            }
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
