import Crypto
import Foundation
import GRDB
import SlipwayCore
import SlipwaySecrets

/// Slipway's durable state in one SQLite database: apps, releases, deploys with their stages,
/// and the deploy queue (queued deploys are rows in `deploy` with state `queued`).
/// Everything the server needs after a restart lives here; nothing important lives only in memory.
public struct SlipwayStore: Sendable {
    let writer: any DatabaseWriter
    /// Seals secret config values before they are written and opens them when read.
    let secrets: SecretCipher
    /// The stages a new deploy is recorded with: those of the engine the server runs.
    public let deployStages: [StageName]

    /// Opens (and migrates) the database at `path`, in WAL mode so readers never wait on the workers.
    public init(path: String, secrets: SecretCipher, deployStages: [StageName] = StageName.localEngine) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        try self.init(writer: DatabasePool(path: path, configuration: configuration), secrets: secrets, deployStages: deployStages)
    }

    /// A private in-memory database with a throwaway master key, for tests.
    public static func inMemory(deployStages: [StageName] = StageName.localEngine) throws -> SlipwayStore {
        try SlipwayStore(writer: DatabaseQueue(), secrets: SecretCipher(masterKey: MasterKey(key: .init(size: .bits256))),
                         deployStages: deployStages)
    }

    init(writer: any DatabaseWriter, secrets: SecretCipher, deployStages: [StageName]) throws {
        self.writer = writer
        self.secrets = secrets
        self.deployStages = deployStages
        try Self.migrator.migrate(writer)
    }

    /// Migrations are registered once here and never edited after they ship: add new ones below.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "app") { t in
                t.primaryKey("name", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("currentRelease", .integer)
            }
            try db.create(table: "release") { t in
                t.column("app", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("traceId", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("body", .jsonText).notNull()
                t.primaryKey(["app", "version"])
            }
            try db.create(table: "deploy") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("traceId", .text).notNull().unique()
                t.column("app", .text).notNull().indexed()
                // False when the app name was derived (RAD's /trigger): a manifest's `name:` then wins.
                t.column("appExplicit", .boolean).notNull().defaults(to: true)
                // Set for a release made without a build (rollback, config, scale): what changes.
                t.column("change", .jsonText)
                // Who asked for it (the CLI sends the user's name).
                t.column("requestedBy", .text)
                // queued -> running -> done: the durable queue.
                t.column("state", .text).notNull().indexed()
                t.column("status", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("source", .jsonText).notNull()
                t.column("uploadPath", .text)
                t.column("apps", .jsonText).notNull()
                t.column("release", .integer)
                t.column("error", .text)
            }
            try db.create(table: "stage") { t in
                t.column("traceId", .text).notNull().references("deploy", column: "traceId", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("status", .text).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("message", .text)
                t.primaryKey(["traceId", "name"])
            }
        }
        registerUpgradeMigrations(&migrator)
        registerEventMigration(&migrator)
        registerEdgeMigration(&migrator)
        registerCredentialMigration(&migrator)
        registerNotificationMigration(&migrator)
        registerCronMigration(&migrator)
        registerAddonMigration(&migrator)
        registerGitConnectionMigration(&migrator)
        registerPreviewMigration(&migrator)
        registerSSHKeyMigration(&migrator)
        registerGitMigration(&migrator)
        registerBackupScheduleMigration(&migrator)
        registerMetricsMigration(&migrator)
        registerDashboardSessionMigration(&migrator)
        return migrator
    }

    static let jsonEncoder = Timestamp.encoder()
    static let jsonDecoder = Timestamp.decoder()

    static func encodeJSON<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try jsonEncoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try jsonDecoder.decode(type, from: Data(text.utf8))
    }
}
