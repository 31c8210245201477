import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayServer
import SlipwayTestSupport
import Testing

/// Backups through the API with the in-memory engine (a test double standing in for pg_dump and
/// friends) and a clock the test moves: failures say what happened and are events, a schedule
/// makes a backup at its time and prunes to --keep. SlipwayIntegrationTests' BackupTests run
/// real Postgres and Redis.
@Suite("Backups API")
struct BackupAPITests {
    static func at(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func backup(_ server: InProcessServer, _ app: String, _ addon: String) async throws -> BackupProgress {
        let answer = try await server.request(.post, "/v1/apps/\(app)/addons/\(addon)/backups")
        #expect(answer.status == 200, "\(answer.body)")
        let last = try #require(answer.body.split(separator: "\n").last)
        return try Timestamp.decoder().decode(BackupProgress.self, from: Data(last.utf8))
    }

    static func seed(_ server: InProcessServer, _ app: String) async throws {
        _ = try await server.deploy(app)
        let addon = try await server.request(.post, "/v1/apps/\(app)/addons", body: #"{"type": "postgres", "name": "db"}"#)
        #expect(addon.status == 202, "\(addon.body)")
    }

    @Test("a failing dump is an error line and a backup.failed event; a failing restore is a 502 that says nothing changed")
    func failedRestoreSaysSo() async throws {
        try await InProcessServer.with { server in
            try await Self.seed(server, "bkfail")
            let made = try await Self.backup(server, "bkfail", "db")
            let backup = try #require(made.backup, "\(made)")
            #expect(backup.verification?.status == "verified" && backup.verification?.tables == 1)

            await server.engine.fail(.addonTool, message: "pg_restore: error: could not execute query")
            let restore = try await server.request(.post, "/v1/apps/bkfail/addons/db/backups/\(backup.id)/restore", body: #"{"confirm": "bkfail/db"}"#)
            #expect(restore.status == 502 && restore.errorCode == "restore_failed", "\(restore.body)")
            #expect(restore.body.contains("could not execute query") && restore.body.contains("nothing was changed"), "\(restore.body)")

            let failed = try await Self.backup(server, "bkfail", "db")
            #expect(failed.backup == nil && (failed.error ?? "").contains("pg_dump exited with code 1"), "\(failed)")
            try await server.eventually("backup.failed is an event") {
                try await server.get("/v1/apps/bkfail/events").decode(EventList.self).events.contains {
                    $0.kind == .backupFailed && $0.message.contains("could not execute query")
                }
            }
            let list = try await server.get("/v1/apps/bkfail/backups").decode(BackupList.self)
            #expect(list.backups.map(\.id) == [backup.id], "the failed one is not listed")

            let wrong = try await server.request(.post, "/v1/apps/bkfail/addons/db/backups/\(backup.id)/restore", body: #"{"confirm": "other/db"}"#)
            #expect(wrong.status == 400 && wrong.errorCode == "confirmation_required", "\(wrong.body)")
        }
    }

    @Test("a failed backup is a signed backup.failed notification with the reason; a verified one sends none")
    func failureNotifies() async throws {
        try await NotificationTests.withReceiver([.ok("{}")]) { receiver in
            try await InProcessServer.with(configure: NotificationTests.quickRetries) { server in
                try await Self.seed(server, "bknote")
                let target = try await NotificationTests.add(server, #"{"app": "bknote", "url": "\#(receiver.url)/ops", "events": ["backup.failed"], "format": "slack"}"#)
                #expect(try await Self.backup(server, "bknote", "db").backup?.verification?.status == "verified")
                await server.engine.fail(.addonTool, message: "pg_dump: error: connection to server failed")
                #expect(try await Self.backup(server, "bknote", "db").error != nil)
                try await server.eventually("the notification arrives") { !receiver.requests.isEmpty }
                try await Task.sleep(for: .milliseconds(200))  // nothing more may come
                let requests = receiver.requests
                #expect(requests.count == 1 && requests.first?.header("X-Slipway-Event") == "backup.failed")
                let request = try #require(requests.first)
                #expect(NotificationTests.verifies(request, secret: target.secret))
                let text = try JSONDecoder().decode(NotificationMessage.SlackBody.self, from: Data(request.body)).text
                #expect(text.contains("bknote") && text.contains("backup failed") && text.contains("connection to server failed"), "\(text)")
            }
        }
    }

    @Test("restore --into: a new add-on beside the original gets the data, then the app its URL; a failed restore leaves no add-on behind")
    func restoreInto() async throws {
        try await InProcessServer.with { server in
            try await Self.seed(server, "bkinto")
            let backup = try #require(try await Self.backup(server, "bkinto", "db").backup)
            await server.engine.fail(.addonTool, message: "pg_restore: error: out of disk space")
            let failed = try await server.request(.post, "/v1/apps/bkinto/addons/db/backups/\(backup.id)/restore", body: #"{"into": "broken"}"#)
            #expect(failed.status == 502 && failed.body.contains("out of disk space"), "\(failed.body)")
            #expect(try await server.get("/v1/apps/bkinto/addons").decode(AddonList.self).addons.map(\.name) == ["db"])
            #expect(await server.engine.addons["bkinto"]?["broken"] == nil)

            await server.engine.fail(.addonTool, message: nil)
            let answer = try await server.request(.post, "/v1/apps/bkinto/addons/db/backups/\(backup.id)/restore", body: #"{"into": "copy"}"#)
            #expect(answer.status == 200, "\(answer.body)")
            let restored = try answer.decode(BackupRestored.self)
            #expect(restored.into == "copy" && restored.message.contains("COPY_URL"))
            let trace = try #require(restored.traceId)
            #expect(try await server.waitForDeploy(trace).status == .completed)
            #expect(try await server.get("/v1/apps/bkinto/addons").decode(AddonList.self).addons.map(\.name) == ["copy", "db"])
            #expect(server.engine.current("bkinto")?.config?["COPY_URL"]?.hasPrefix("postgres://slipway:") == true)
        }
    }

    @Test("a schedule makes a verified backup at its time and keeps the newest --keep; a bad expression names its field")
    func scheduleRunsAndPrunes() async throws {
        let clock = ManualCronClock(Self.at("2026-12-07T02:59:30Z"))
        try await InProcessServer.with(configure: { $0.backupClock = clock }) { server in
            try await Self.seed(server, "bksched")
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try #require(try await Self.backup(server, "bksched", "db").backup?.id)) }
            let bad = try await server.request(.put, "/v1/apps/bksched/addons/db/backup-schedule", body: #"{"schedule": "0 25 * * *", "keep": 2}"#)
            #expect(bad.status == 400 && bad.body.contains("hour"), "\(bad.body)")
            let set = try await server.request(.put, "/v1/apps/bksched/addons/db/backup-schedule", body: #"{"schedule": "0 3 * * *", "keep": 2}"#)
            #expect(set.status == 200, "\(set.body)")
            #expect(try set.decode(BackupScheduleView.self).nextRun != nil)

            // The scheduler sees the schedule at its next rescan, then sleeps until 03:00.
            try await clock.step(to: Self.at("2026-12-07T03:00:00Z"))
            clock.advance(to: Self.at("2026-12-07T03:00:00Z"))
            try await server.eventually("the scheduled backup is made and the oldest pruned") {
                let list = try await server.get("/v1/apps/bksched/backups").decode(BackupList.self)
                return list.backups.count == 2 && list.schedules.first?.lastRun == Self.at("2026-12-07T03:00:00Z")
            }
            let list = try await server.get("/v1/apps/bksched/backups").decode(BackupList.self)
            #expect(list.backups.allSatisfy { $0.verification?.status == "verified" })
            #expect(list.backups.last?.id == ids[2] && !ids.contains(list.backups[0].id), "kept: \(list.backups.map(\.id)), made by hand: \(ids)")
            let off = try await server.request(.delete, "/v1/apps/bksched/addons/db/backup-schedule")
            #expect(off.status == 200)
            #expect(try await server.get("/v1/apps/bksched/backups").decode(BackupList.self).schedules.isEmpty)
        }
    }
}
