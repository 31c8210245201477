import BackupStore
import Cron
import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayStore

/// Scheduled backups (`slipway backups schedule APP NAME --schedule "0 3 * * *" --keep 7`): each
/// falls due by its cron expression (the Cron library, the server's time zone), is made and
/// verified like `backups create`, then the add-on's backups are pruned to the newest `keep`
/// verified ones. A slot missed while the server was down runs once at start.
final class BackupScheduler: Service, Sendable {
    let store: SlipwayStore
    let backups: AddonBackups
    let clock: any CronClock
    let logger: Logger
    /// The longest sleep before schedules are read again (a new schedule is seen by then).
    let rescan: TimeInterval

    init(store: SlipwayStore, backups: AddonBackups, clock: any CronClock, rescan: TimeInterval = 30, logger: Logger) {
        self.store = store
        self.backups = backups
        self.clock = clock
        self.rescan = rescan
        self.logger = logger
    }

    /// Checks a schedule as `PUT .../backup-schedule` takes it: a 400 naming what is wrong.
    static func check(_ request: BackupScheduleRequest) throws -> CronSchedule {
        guard (1...1000).contains(request.keep) else {
            throw SlipwayError.invalidRequest("--keep \(request.keep): keep between 1 and 1000 verified backups")
        }
        do {
            return try CronSchedule(request.schedule)
        } catch {
            throw SlipwayError.invalidRequest("--schedule: \(error)")
        }
    }

    func views(app: AppName) throws -> [BackupScheduleView] {
        try store.backupSchedules(of: app).map { schedule in
            BackupScheduleView(app: schedule.app.value, addon: schedule.addon.value, schedule: schedule.schedule, keep: schedule.keep,
                               nextRun: (try? CronSchedule(schedule.schedule))?.next(after: clock.now()), lastRun: schedule.lastRunAt)
        }
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown { await self.loop() }
    }

    /// Sleeps until the next slot (at most `rescan`), then makes what is due. A schedule's slots
    /// count from its last run (or its creation): however many passed while the server was down,
    /// one backup is made.
    private func loop() async {
        while !Task.isCancelled {
            let now = clock.now()
            var wake = now.addingTimeInterval(rescan)
            for schedule in (try? store.backupSchedules()) ?? [] {
                guard let cron = try? CronSchedule(schedule.schedule) else { continue }
                let since = schedule.lastRunAt ?? schedule.createdAt
                if let slot = cron.next(after: since), slot <= now {
                    try? store.recordBackupScheduleRun(app: schedule.app, addon: schedule.addon, at: now)
                    await runScheduled(schedule)
                }
                if let next = cron.next(after: max(now, since)) { wake = min(wake, next) }
            }
            do { try await clock.sleep(until: wake) } catch { return }
        }
    }

    private func runScheduled(_ schedule: BackupSchedule) async {
        guard let addon = try? store.addon(app: schedule.app, name: schedule.addon) else { return }
        do {
            let record = try await backups.create(addon) { _ in }
            logger.info("scheduled backup made", metadata: ["app.name": "\(addon.app)", "addon": "\(addon.name)", "backup": "\(record.id)",
                                                            "verified": "\(record.verification?.verified ?? false)"])
            try await prune(addon, keep: schedule.keep)
        } catch {
            // backups.create reported backup.failed already; the next slot is tried as usual.
            logger.warning("scheduled backup failed", metadata: ["app.name": "\(addon.app)", "addon": "\(addon.name)", "error": "\(error)"])
        }
    }

    /// Keeps the newest `keep` verified backups and whatever is newer than the oldest of them;
    /// deletes everything older. With fewer than `keep` verified backups nothing is deleted.
    func prune(_ addon: AddonSpec, keep: Int) async throws {
        let all = try await backups.store.list(app: addon.app.value, addon: addon.name.value)
        let verified = all.filter { $0.verification?.verified == true }
        guard verified.count >= keep, let oldestKept = verified.prefix(keep).last else { return }
        let kept = Set(verified.prefix(keep).map(\.id))
        for record in all where !kept.contains(record.id) && record.createdAt <= oldestKept.createdAt {
            try await backups.store.delete(record)
            logger.info("pruned a backup", metadata: ["app.name": "\(addon.app)", "addon": "\(addon.name)", "backup": "\(record.id)"])
        }
    }
}
