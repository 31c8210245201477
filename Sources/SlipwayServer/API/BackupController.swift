import BackupStore
import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// Backups of add-ons (`slipway backups`): made on demand (the dump's progress streamed back as
/// newline-delimited JSON) or on schedule, listed with their size, SHA-256, duration and
/// verification, restored into the add-on after a confirmation naming it.
struct BackupController: Sendable {
    let store: SlipwayStore
    let backups: AddonBackups
    let schedules: BackupScheduler
    /// Starts the new add-on of `restore --into`.
    let addons: AddonController

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/backups") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            try requireApp(app)
            var addons = try store.addons(of: app)
            if let name = request.uri.queryParameters.get("addon") {
                let label = try DNSLabel(name, kind: "add-on name")
                guard let addon = addons.first(where: { $0.name == label }) else { throw Self.noAddon(app, label, addons) }
                addons = [addon]
            }
            var views: [BackupView] = []
            for addon in addons {
                views += try await Self.storeCall { try await backups.store.list(app: app.value, addon: addon.name.value) }.map(AddonBackups.view)
            }
            views.sort { $0.createdAt > $1.createdAt }
            let scheduled = try schedules.views(app: app).filter { schedule in addons.contains { $0.name.value == schedule.addon } }
            return try JSONResponse.make(BackupList(app: app.value, backups: views, schedules: scheduled))
        }
        router.post("/v1/apps/:app/addons/:name/backups") { _, context in
            let addon = try existing(context)
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: stream(addon))
        }
        router.post("/v1/apps/:app/addons/:name/backups/:id/restore") { request, context in
            let addon = try existing(context)
            let id = try context.parameters.require("id")
            let body = try await JSONResponse.decode(BackupRestoreRequest.self, from: request)
            if let into = body.into {
                return try await restore(addon, id, into: into, request: request)
            }
            let expected = "\(addon.app)/\(addon.name)"
            guard body.confirm == expected else {
                throw SlipwayError(code: "confirmation_required",
                                   message: "restoring replaces the data of \(expected); confirm with --confirm \(expected) (given: \(body.confirm.map { "\"\($0.prefix(80))\"" } ?? "none")), or restore --into a new add-on beside it",
                                   httpStatus: 400)
            }
            let record = try await record(addon, id)
            let message = try await backups.restore(record, into: addon)
            return try JSONResponse.make(BackupRestored(app: addon.app.value, addon: addon.name.value, backup: record.id, into: addon.name.value,
                                                        message: message, traceId: nil))
        }
        addScheduleRoutes(to: router)
    }

    /// `restore --into NEW_NAME`: a new add-on of the same type and version beside the original
    /// (which is not touched), the backup restored into it, and only then the app given its URL
    /// (NEW_NAME_URL) in a new release. A restore that fails removes the new add-on again.
    private func restore(_ addon: AddonSpec, _ id: String, into: String, request: Request) async throws -> Response {
        let name = try DNSLabel(into, kind: "add-on name")
        if name.value.count > 40 {
            throw SlipwayError.invalidName("add-on name \"\(name)\" is longer than 40 characters; choose a shorter --into")
        }
        let record = try await record(addon, id)
        let (target, release) = try await addons.start(app: addon.app, kind: addon.kind, name: name, version: addon.version, explicitName: true)
        let message: String
        do {
            message = try await backups.restore(record, into: target)
        } catch {
            await addons.discard(target)
            throw error
        }
        let traceId = try addons.publish(target, release: release, request: request)
        return try JSONResponse.make(BackupRestored(app: addon.app.value, addon: addon.name.value, backup: record.id, into: name.value,
                                                    message: message + "; \(addon.app) gets \(target.configKeys.joined(separator: ", ")) in a new release",
                                                    traceId: traceId))
    }

    private func addScheduleRoutes(to router: Router<BasicRequestContext>) {
        router.put("/v1/apps/:app/addons/:name/backup-schedule") { request, context in
            let addon = try existing(context)
            let body = try await JSONResponse.decode(BackupScheduleRequest.self, from: request)
            _ = try BackupScheduler.check(body)
            try store.setBackupSchedule(BackupSchedule(app: addon.app, addon: addon.name, schedule: body.schedule, keep: body.keep,
                                                   createdAt: schedules.clock.now()))
            let view = try schedules.views(app: addon.app).first { $0.addon == addon.name.value }
            return try JSONResponse.make(view)
        }
        router.delete("/v1/apps/:app/addons/:name/backup-schedule") { _, context in
            let addon = try existing(context)
            guard let view = try schedules.views(app: addon.app).first(where: { $0.addon == addon.name.value }),
                  try store.deleteBackupSchedule(app: addon.app, addon: addon.name) else {
                throw SlipwayError.notFound("\(addon.app)/\(addon.name) has no backup schedule")
            }
            return try JSONResponse.make(view)
        }
    }

    /// The backup `id` of the add-on: a hostile id (a path, dots) is a 400; one not listed a 404.
    private func record(_ addon: AddonSpec, _ id: String) async throws -> BackupRecord {
        do {
            try BackupRecord.checkID(id)
        } catch let error as BackupStoreError {
            throw SlipwayError.invalidRequest("backup id: \(error.message); `slipway backups \(addon.app)` lists them")
        }
        guard let record = try await Self.storeCall({ try await backups.store.record(app: addon.app.value, addon: addon.name.value, id: id) }) else {
            throw SlipwayError.notFound("\(addon.app)/\(addon.name) has no backup \(id); `slipway backups \(addon.app)` lists them")
        }
        return record
    }

    private func stream(_ addon: AddonSpec) -> ResponseBody {
        let backups = self.backups
        return ResponseBody { writer in
            let (lines, continuation) = AsyncStream.makeStream(of: BackupProgress.self, bufferingPolicy: .bufferingNewest(100))
            // The backup runs in a child task, so a client that goes away does not leave it half done:
            // it is finished (and recorded) all the same; only the lines are lost.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        let record = try await backups.create(addon) { continuation.yield($0) }
                        continuation.yield(BackupProgress(backup: AddonBackups.view(record)))
                    } catch {
                        continuation.yield(BackupProgress(error: AddonBackups.describe(error)))
                    }
                    continuation.finish()
                }
                var open = true
                for await line in lines where open {
                    var data = try JSONResponse.encoder.encode(line)
                    data.append(UInt8(ascii: "\n"))
                    do { try await writer.write(ByteBuffer(bytes: data)) } catch { open = false }
                }
                try await group.waitForAll()
            }
            try await writer.finish(nil)
        }
    }

    private func existing(_ context: BasicRequestContext) throws -> AddonSpec {
        let app = try DNSLabel(context.parameters.require("app"))
        let name = try DNSLabel(context.parameters.require("name"), kind: "add-on name")
        try requireApp(app)
        let addons = try store.addons(of: app)
        guard let addon = addons.first(where: { $0.name == name }) else { throw Self.noAddon(app, name, addons) }
        return addon
    }

    private func requireApp(_ app: AppName) throws {
        guard try store.currentRelease(of: app) != nil else {
            throw SlipwayError.notFound("no app named \(app) with a release; `slipway apps` lists them")
        }
    }

    static func noAddon(_ app: AppName, _ name: DNSLabel, _ addons: [AddonSpec]) -> SlipwayError {
        let names = addons.map(\.name.value)
        return .notFound("\(app) has no add-on named \(name) (it has: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
    }

    /// A store that cannot be reached is the server's problem upstream: 502 with the reason.
    static func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BackupStoreError {
            throw SlipwayError(code: "backup_store_error", message: error.message, httpStatus: 502)
        } catch let error as SlipwayError {
            throw error
        } catch {
            throw SlipwayError(code: "backup_store_error", message: "the backup store failed: \(error)", httpStatus: 502)
        }
    }
}
