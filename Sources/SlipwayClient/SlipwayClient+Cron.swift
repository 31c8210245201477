import Foundation
import SlipwayCore

extension APIRequest {
    public static func cronJobs(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/cron")
    }

    public static func cronRuns(app: AppName, job: String) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/cron/\(segment(job))/runs")
    }

    public static func runCronJob(app: AppName, job: String) -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/cron/\(segment(job))/run")
    }
}

extension SlipwayClient {
    /// The scheduled jobs of the app's current release, with their last run and next time.
    public func cronJobs(app: AppName) async throws -> CronJobList {
        try await json(.cronJobs(app: app), as: CronJobList.self)
    }

    /// A job's recent runs, newest first.
    public func cronRuns(app: AppName, job: String) async throws -> CronRunList {
        try await json(.cronRuns(app: app, job: job), as: CronRunList.self)
    }

    /// Starts a run of the job now; returns it as recorded (running).
    public func runCronJob(app: AppName, job: String) async throws -> CronRun {
        try await json(.runCronJob(app: app, job: job), as: CronRun.self)
    }
}

extension Reports {
    /// `slipway cron APP`: one line per job.
    public static func cronJobs(_ list: CronJobList, app: String, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        guard !list.jobs.isEmpty else { return "\(app) has no scheduled jobs; add `cron:` to its slipway.yaml" }
        var table = TextTable(header: ["JOB", "SCHEDULE", "LAST RUN", "RESULT", "DURATION", "NEXT RUN"])
        for job in list.jobs {
            let last = job.lastRun
            table.rows.append([
                job.name,
                job.schedule + (job.timezone == timeZone.identifier ? "" : " (\(job.timezone))"),
                last.map { Format.dateTime($0.startedAt, timeZone: timeZone) } ?? "-",
                last.map(cronResult) ?? (job.running > 0 ? "running" : "-"),
                last?.duration.map(Format.duration) ?? "-",
                job.nextRun.map { Format.dateTime($0, timeZone: timeZone) } ?? "never",
            ])
        }
        return table.render()
    }

    /// `exit 0`, `exit 3`, `running`, `skipped`, `timed-out`.
    static func cronResult(_ run: CronRun) -> String {
        switch run.status {
        case .succeeded, .failed where run.exitCode != nil: "exit \(run.exitCode ?? 0)"
        default: run.status.rawValue
        }
    }

    /// `slipway cron runs APP JOB`.
    public static func cronRuns(_ list: CronRunList, timeZone: TimeZone = .current) -> String {
        guard !list.runs.isEmpty else { return "no runs yet" }
        var table = TextTable(header: ["RUN", "TRIGGER", "STARTED", "RESULT", "DURATION", "RELEASE", "MESSAGE"])
        for run in list.runs {
            table.rows.append(["\(run.id)", run.trigger.rawValue, Format.dateTime(run.startedAt, timeZone: timeZone), cronResult(run),
                               run.duration.map(Format.duration) ?? "-", "v\(run.release)", run.message ?? ""])
        }
        return table.render()
    }
}
