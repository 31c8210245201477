import Foundation
import SlipwayCore

extension APIRequest {
    public static func backups(app: AppName, addon: String?) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/backups" + query(["addon": addon]))
    }

    public static func createBackup(app: AppName, addon: String) -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/addons/\(segment(addon))/backups", accept: "application/x-ndjson")
    }

    public static func restoreBackup(app: AppName, addon: String, id: String, _ request: BackupRestoreRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/addons/\(segment(addon))/backups/\(segment(id))/restore",
                   body: .json(try JSONEncoder().encode(request)))
    }

    public static func setBackupSchedule(app: AppName, addon: String, _ request: BackupScheduleRequest) throws -> APIRequest {
        APIRequest(method: .put, path: "/v1/apps/\(segment(app.value))/addons/\(segment(addon))/backup-schedule",
                   body: .json(try JSONEncoder().encode(request)))
    }

    public static func removeBackupSchedule(app: AppName, addon: String) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))/addons/\(segment(addon))/backup-schedule")
    }
}

extension SlipwayClient {
    /// The app's backups (of one add-on with `addon`), newest first, with their schedules.
    public func backups(app: AppName, addon: String? = nil) async throws -> BackupList {
        try await json(.backups(app: app, addon: addon), as: BackupList.self)
    }

    /// Makes a backup of the add-on: progress lines while it is dumped, stored and verified, the
    /// last one with the backup or the error.
    public func createBackup(app: AppName, addon: String) async throws -> AsyncThrowingStream<BackupProgress, Error> {
        let lines = try await lines(.createBackup(app: app, addon: addon))
        return AsyncThrowingStream { continuation in
            let task = Task {
                let decoder = Timestamp.decoder()
                do {
                    for try await line in lines where !line.isEmpty {
                        continuation.yield(try decoder.decode(BackupProgress.self, from: Data(line.utf8)))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func restoreBackup(app: AppName, addon: String, id: String, _ request: BackupRestoreRequest) async throws -> BackupRestored {
        try await json(try .restoreBackup(app: app, addon: addon, id: id, request), as: BackupRestored.self, timeout: .seconds(3600))
    }

    public func setBackupSchedule(app: AppName, addon: String, _ request: BackupScheduleRequest) async throws -> BackupScheduleView {
        try await json(try .setBackupSchedule(app: app, addon: addon, request), as: BackupScheduleView.self)
    }

    public func removeBackupSchedule(app: AppName, addon: String) async throws -> BackupScheduleView {
        try await json(.removeBackupSchedule(app: app, addon: addon), as: BackupScheduleView.self)
    }
}
