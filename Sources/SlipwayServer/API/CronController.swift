import Cron
import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// Scheduled jobs of an app's current release: `GET /v1/apps/{app}/cron` lists them with their
/// last run and next time, `GET /v1/apps/{app}/cron/{job}/runs` a job's recent runs, and
/// `POST /v1/apps/{app}/cron/{job}/run` starts one now (202 with the run; 409 under
/// `concurrency: forbid` while one runs).
struct CronController: Sendable {
    let store: SlipwayStore
    let scheduler: CronScheduler

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/cron") { _, context in
            let (app, release) = try current(context)
            var views: [CronJobView] = []
            for job in release?.cronJobs ?? [] {
                let zone = job.timeZone ?? TimeZone.current.identifier
                views.append(CronJobView(job: job, timezone: zone, nextRun: scheduler.nextRun(of: job),
                                         lastRun: try store.cronRuns(app: app, job: job.name, limit: 1).first,
                                         running: await scheduler.active.count(app: app.value, job: job.name)))
            }
            return try JSONResponse.make(CronJobList(jobs: views))
        }
        router.get("/v1/apps/:app/cron/:job/runs") { _, context in
            let (app, release) = try current(context)
            let job = try self.job(context, of: app, in: release)
            return try JSONResponse.make(CronRunList(runs: try store.cronRuns(app: app, job: job.name, limit: 50)))
        }
        router.post("/v1/apps/:app/cron/:job/run") { _, context in
            let (app, release) = try current(context)
            let job = try self.job(context, of: app, in: release)
            switch try await scheduler.launch(release!, job, trigger: .manual, scheduledFor: nil) {
            case .started(let run, _):
                return try JSONResponse.make(run, status: .accepted)
            case .skipped(_, let busy):
                throw SlipwayError.conflict("cron job \(job.name) of \(app) is still running (run \(busy)) and its concurrency is forbid; wait for it to end (`slipway cron \(app)`)")
            }
        }
    }

    private func current(_ context: BasicRequestContext) throws -> (AppName, Release?) {
        let app = try DNSLabel(context.parameters.require("app"))
        guard try store.app(app) != nil else {
            throw SlipwayError.notFound("no app named \(app); `slipway apps` lists them, `slipway deploy` creates one")
        }
        return (app, try store.currentRelease(of: app))
    }

    private func job(_ context: BasicRequestContext, of app: AppName, in release: Release?) throws -> CronJobSpec {
        let name = try context.parameters.require("job")
        guard let job = release?.cronJobs?.first(where: { $0.name == name }) else {
            let known = release?.cronJobs?.map(\.name) ?? []
            throw SlipwayError.notFound("\(app) has no cron job named \(name.prefix(64)) (it has: \(known.isEmpty ? "none; add `cron:` to slipway.yaml" : known.joined(separator: ", ")))")
        }
        return job
    }
}
