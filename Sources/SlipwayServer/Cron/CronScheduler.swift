import Cron
import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// Runs the scheduled jobs (`cron:`) of every app's current release as one-off containers, on
/// time: it sleeps until the next job is due (at most `rescan`, so a deploy's new jobs are seen),
/// then starts what is due. At start-up, a job whose time came while the server was down runs
/// once (not once per missed time). Manual runs (`slipway cron run`) come in through `launch`.
final class CronScheduler: Service, Sendable {
    let store: SlipwayStore
    let engine: any Engine
    let clock: any CronClock
    let logger: Logger
    /// Output lines, to the app's logs as process `cron.NAME`.
    let deliver: @Sendable (String, AppLogLine) async -> Void
    let report: @Sendable (AppEvent) -> Void
    let active: ActiveCronRuns
    /// How long the scheduler sleeps at most before it reads the current releases again.
    let rescan: TimeInterval
    /// False with the Kubernetes engine: the cluster runs the CronJobs; only manual runs start here.
    let schedules: Bool
    private let starts: AsyncStream<Start>
    private let input: AsyncStream<Start>.Continuation

    /// A run admitted and recorded, to be executed in the scheduler's task group.
    struct Start: Sendable {
        var release: Release
        var job: CronJobSpec
        var run: CronRun
        var stop: ActiveCronRuns.StopSwitch
    }

    init(store: SlipwayStore, engine: any Engine, clock: any CronClock, rescan: TimeInterval = 10, schedules: Bool = true, logger: Logger,
         deliver: @escaping @Sendable (String, AppLogLine) async -> Void, report: @escaping @Sendable (AppEvent) -> Void) {
        self.store = store
        self.engine = engine
        self.clock = clock
        self.rescan = rescan
        self.schedules = schedules
        self.logger = logger
        self.deliver = deliver
        self.report = report
        active = ActiveCronRuns(store: store)
        (starts, input) = AsyncStream.makeStream(of: Start.self)
    }

    func run() async throws {
        let interrupted = try store.interruptRunningCronRuns(at: clock.now())
        if interrupted > 0 { logger.warning("cron runs interrupted by the last shutdown", metadata: ["count": "\(interrupted)"]) }
        try await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if self.schedules { group.addTask { await self.scheduleLoop() } }
                for await start in self.starts {
                    group.addTask { await self.execute(start) }
                }
                group.cancelAll()
            }
        }
    }

    /// Admits a run of `job` now (recorded as running, or skipped under `forbid`) and starts it.
    func launch(_ release: Release, _ job: CronJobSpec, trigger: CronRun.Trigger, scheduledFor: Date?) async throws -> ActiveCronRuns.Admission {
        let admission = try await active.admit(release, job, trigger: trigger, scheduledFor: scheduledFor, now: clock.now())
        if case .started(let run, let stop) = admission {
            input.yield(Start(release: release, job: job, run: run, stop: stop))
        }
        return admission
    }

    /// The next time `job` of `release` falls due after now.
    func nextRun(of job: CronJobSpec) -> Date? {
        (try? CronSchedule(job.schedule, timeZone: job.timeZone))?.next(after: clock.now())
    }

    private func scheduleLoop() async {
        var due: [String: (job: CronJobSpec, at: Date)] = [:]
        var startingUp = true
        while !Task.isCancelled {
            let now = clock.now()
            var seen = Set<String>()
            for release in (try? store.currentReleases()) ?? [] {
                for job in release.cronJobs ?? [] {
                    let key = ActiveCronRuns.key(release.app.value, job.name)
                    seen.insert(key)
                    guard let schedule = try? CronSchedule(job.schedule, timeZone: job.timeZone) else { continue }
                    if let entry = due[key], entry.job.schedule == job.schedule, entry.job.timeZone == job.timeZone {
                        guard entry.at <= now else { continue }
                        await start(release, job, trigger: .schedule, scheduledFor: entry.at)
                        due[key] = schedule.next(after: max(now, entry.at)).map { (job, $0) }
                        continue
                    }
                    if startingUp, missedWhileDown(release, job, schedule, now: now) {
                        // Recorded for now: every missed time is covered by this one run.
                        await start(release, job, trigger: .catchUp, scheduledFor: now)
                    }
                    due[key] = schedule.next(after: now).map { (job, $0) }
                }
            }
            due = due.filter { seen.contains($0.key) }
            startingUp = false
            let wake = min(due.values.map(\.at).min() ?? .distantFuture, now.addingTimeInterval(rescan))
            do { try await clock.sleep(until: wake) } catch { return }
        }
    }

    private func missedWhileDown(_ release: Release, _ job: CronJobSpec, _ schedule: CronSchedule, now: Date) -> Bool {
        let since = (try? store.lastCronSlot(app: release.app, job: job.name)) ?? release.createdAt
        return schedule.missedRun(since: since, now: now)
    }

    private func start(_ release: Release, _ job: CronJobSpec, trigger: CronRun.Trigger, scheduledFor: Date) async {
        do {
            if case .skipped(let run, let busy) = try await launch(release, job, trigger: trigger, scheduledFor: scheduledFor) {
                logger.info("cron run skipped", metadata: ["app.name": "\(release.app)", "cron.job": "\(job.name)",
                                                          "cron.run": "\(run.id)", "cron.running": "\(busy)"])
            }
        } catch {
            logger.error("could not record a cron run", metadata: ["app.name": "\(release.app)", "cron.job": "\(job.name)", "error": "\(error)"])
        }
    }
}
