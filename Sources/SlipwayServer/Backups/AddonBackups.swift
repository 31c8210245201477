import BackupStore
import Foundation
import Logging
import SlipwayCore
import SlipwayEngines

/// Makes, verifies and restores add-on backups (`slipway backups`). Every tool runs in a
/// throwaway container from the add-on's own image on the app's network (`Engine.runAddonTool`),
/// not by `exec` in the add-on's container: the tools then match the server's version, the
/// add-on's memory and processes are not shared with a large dump, and a Redis restore can run
/// while the add-on is stopped. Bytes stream between the container and a file; never held whole.
struct AddonBackups: Sendable {
    let store: any BackupStore
    let engine: any Engine
    /// Where fetched backups are put while a restore or a verification reads them.
    let workDirectory: URL
    let report: @Sendable (AppEvent) -> Void
    let logger: Logger

    /// Dumps the add-on into the store, then verifies the stored backup. Throws (after a
    /// `backup.failed` event) when no backup could be made; a verification that fails is recorded
    /// on the backup (and is a `backup.failed` event) but does not throw.
    func create(_ addon: AddonSpec, progress: @escaping @Sendable (BackupProgress) async -> Void) async throws -> BackupRecord {
        let createdAt = Date()
        let id = Self.newID(createdAt)
        let started = ContinuousClock.now
        var staged: URL?
        do {
            let file = try store.stagingFile(app: addon.app.value, addon: addon.name.value, id: id)
            staged = file
            let source = try await dump(addon, to: file, progress: progress)
            await progress(BackupProgress(stage: "store"))
            let duration = (ContinuousClock.now - started).seconds
            var record = try await store.save(file, app: addon.app.value, addon: addon.name.value, id: id, kind: addon.kind.rawValue,
                                              createdAt: createdAt, duration: duration, source: source)
            report(AppEvent(app: addon.app.value, kind: .backupCreated,
                            message: "backup \(id) of \(addon.name): \(Self.size(record.size)) in \(String(format: "%.1f", duration)) s, sha256 \(record.sha256.prefix(12))"))
            await progress(BackupProgress(stage: "verify"))
            record.verification = await verify(record, of: addon)
            do {
                try await store.update(record)
            } catch {
                logger.warning("could not record a backup's verification", metadata: ["app.name": "\(addon.app)", "backup": "\(id)", "error": "\(error)"])
            }
            return record
        } catch {
            if let staged { try? FileManager.default.removeItem(at: staged) }
            let reason = Self.describe(error)
            report(AppEvent(app: addon.app.value, kind: .backupFailed, message: "backup of \(addon.name) failed: \(reason)"))
            throw SlipwayError(code: "backup_failed", message: "backup of \(addon.app)/\(addon.name) failed: \(reason); the add-on keeps running",
                               httpStatus: (error as? SlipwayError)?.httpStatus == 409 ? 409 : 502)
        }
    }

    /// Restores the stored backup into a throwaway container and checks it against what the
    /// source held at dump time (`BackupComparison`): Postgres, every table the archive lists
    /// restored with the source's rows; Redis, the RDB loads with the source's key count.
    func verify(_ record: BackupRecord, of addon: AddonSpec) async -> BackupVerification {
        let outcome: BackupVerification
        do {
            let (code, out, err) = try await withFetched(record) { file in
                try await run(addon, addon.verifyTool, input: file)
            }
            if code == 0, let check = BackupCheckOutput(out) {
                outcome = BackupComparison.judge(check, kind: addon.kind, source: record.source)
            } else {
                outcome = BackupVerification(verified: false, at: Date(), message: "the verification restore exited with code \(code): \(Self.tail(err.isEmpty ? out : err))")
            }
        } catch {
            outcome = BackupVerification(verified: false, at: Date(), message: "could not run the verification restore: \(Self.describe(error))")
        }
        report(AppEvent(app: addon.app.value, kind: outcome.verified ? .backupVerified : .backupFailed,
                        message: "backup \(record.id) of \(addon.name) \(outcome.verified ? "verified" : "failed its verification"): \(outcome.message)"))
        return outcome
    }

    /// Replaces `target`'s data with the backup. The backup's SHA-256 is checked before the
    /// add-on is touched; a restore that fails leaves the data as it was (Postgres: one
    /// transaction; Redis: the old files put back) and says so.
    func restore(_ record: BackupRecord, into target: AddonSpec) async throws -> String {
        let (code, out, err) = try await withFetched(record) { file in
            try await run(target, target.restoreTool, input: file)
        }
        guard code == 0 else {
            throw SlipwayError(code: "restore_failed",
                               message: "restoring backup \(record.id) into \(target.app)/\(target.name) failed (exit code \(code)): \(Self.tail(err.isEmpty ? out : err)); nothing was changed (the restore runs in one transaction, or puts the old files back)",
                               httpStatus: 502)
        }
        let detail = out.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        return "backup \(record.id) restored into \(target.app)/\(target.name)" + (detail.isEmpty ? "" : ": \(detail)")
    }

    /// Fetches the backup to a private file (its SHA-256 checked: a damaged backup is refused
    /// before anything runs), hands it to `body`, removes it.
    private func withFetched<T>(_ record: BackupRecord, _ body: (URL) async throws -> T) async throws -> T {
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = workDirectory.appendingPathComponent("\(record.app).\(record.addon).\(record.id).\(UUID().uuidString.prefix(8)).fetch")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try await store.fetch(record, to: file)
        } catch let error as BackupStoreError {
            throw SlipwayError(code: "backup_damaged", message: error.message, httpStatus: 409)
        }
        return try await body(file)
    }

    /// Runs a tool with `input` (a file) as its standard input; returns its exit code, stdout and stderr (each bounded).
    private func run(_ addon: AddonSpec, _ tool: AddonTool, input: URL) async throws -> (Int, String, String) {
        let feed = try FileFeed(input)
        let sink = TextSink()
        let code = try await engine.runAddonTool(addon, tool: tool,
                                                 input: AsyncStream(unfolding: { feed.next() }),
                                                 output: { stream, data in sink.append(stream, data) })
        return (code, sink.text(1), sink.text(2))
    }

    /// Streams the add-on's dump into `file`, reporting progress at most twice a second; returns
    /// what the source held at dump time as the tool reported it (nil if it did not).
    private func dump(_ addon: AddonSpec, to file: URL, progress: @escaping @Sendable (BackupProgress) async -> Void) async throws -> BackupSourceCounts? {
        let writer = try DumpWriter(file)
        let tool = addon.backupTool
        let code = try await engine.runAddonTool(addon, tool: tool,
                                                 input: AsyncStream { $0.yield(.endOfInput); $0.finish() },
                                                 output: { stream, data in
                                                     if let bytes = writer.take(stream, data) { await progress(BackupProgress(stage: "dump", bytes: bytes)) }
                                                 })
        let (bytes, failure, errors) = writer.finish()
        if let failure { throw SlipwayError.internal("could not write the backup to the server's staging file: \(failure)") }
        guard code == 0 else {
            throw SlipwayError.engine("\(tool.program) exited with code \(code): \(Self.tail(errors))")
        }
        guard bytes > 0 else { throw SlipwayError.engine("\(tool.program) wrote nothing: \(Self.tail(errors))") }
        await progress(BackupProgress(stage: "dump", bytes: bytes))
        return BackupSourceOutput(errors).map(BackupComparison.source)
    }

    /// `20261207-031500-123-3fa9`: sorts by time (to the millisecond), unique enough, a valid path part.
    static func newID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss-SSS"
        return formatter.string(from: date) + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }

    static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : bytes >= 1024 ? String(format: "%.1f KiB", Double(bytes) / 1024) : "\(bytes) B"
    }

    static func tail(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).suffix(5).joined(separator: "; ")
        return lines.isEmpty ? "(no output)" : String(lines.suffix(1000))
    }

    static func describe(_ error: any Error) -> String {
        (error as? SlipwayError)?.message ?? (error as? BackupStoreError)?.message ?? "\(error)"
    }

    static func view(_ record: BackupRecord) -> BackupView {
        BackupView(id: record.id, app: record.app, addon: record.addon, type: record.kind, createdAt: record.createdAt, sizeBytes: record.size,
                   sha256: record.sha256, durationSeconds: record.duration,
                   verification: record.verification.map {
                       var view = BackupVerificationView(status: $0.verified ? "verified" : "failed", at: $0.at, message: $0.message,
                                                         tables: $0.tables, rows: $0.rows, keys: $0.keys)
                       view.sourceTables = record.source?.tables?.count
                       view.sourceRows = record.source?.tables?.values.reduce(0, +)
                       view.sourceKeys = record.source?.keys
                       return view
                   })
    }
}
