import Foundation
import HTTPTypes
import SlipwayCore
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport
import Testing

/// Scheduled jobs in process: the scheduler over `InMemoryEngine` (the engine test double) and a
/// clock the test moves (`ManualCronClock`), so times are exact and nothing waits a minute.
@Suite("cron: scheduled jobs in process")
struct CronSchedulerTests {
    static func files(_ cron: String) -> [String: String] {
        SourceTree.web.merging(["slipway.yaml": "services: {web: {port: 8080}}\ncron:\n" + cron]) { $1 }
    }

    static func at(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    /// Moves the clock through the scheduler's rescans, so it reads the release just deployed and
    /// then sleeps until the job's next time.
    static func letSchedulerSee(_ clock: ManualCronClock, after deploy: Date, due: Date) async throws {
        try await clock.step(to: due)
        #expect(try await clock.sleeper() == due)
    }

    @Test("a job runs at its time, its output goes to the app's logs as cron.NAME, and the list shows it")
    func runsOnTime() async throws {
        let start = Self.at("2026-12-07T10:00:30Z")
        let clock = ManualCronClock(start)
        try await InProcessServer.with(configure: { $0.cronClock = clock }) { server in
            await server.engine.script("tick", output: ["ticked at the minute"], exitCode: 0)
            await server.engine.script("boom", output: ["going down"], exitCode: 3)
            try await server.deploy("cronsched", files: Self.files("""
                  tick: {schedule: "* * * * *", command: [tick], timezone: UTC}
                  boom: {schedule: "*/5 * * * *", command: [boom], timezone: UTC}
                """))
            let minute = Self.at("2026-12-07T10:01:00Z")
            try await Self.letSchedulerSee(clock, after: start, due: minute)
            var list = try await server.get("/v1/apps/cronsched/cron").decode(CronJobList.self)
            #expect(list.jobs.map(\.name) == ["boom", "tick"])
            #expect(list.jobs.map(\.nextRun) == [Self.at("2026-12-07T10:05:00Z"), minute])
            #expect(list.jobs.allSatisfy { $0.lastRun == nil })

            clock.advance(to: minute)
            try await server.eventually("the 10:01 run ends") {
                try await server.get("/v1/apps/cronsched/cron").decode(CronJobList.self).jobs[1].lastRun?.status == .succeeded
            }
            list = try await server.get("/v1/apps/cronsched/cron").decode(CronJobList.self)
            let run = try #require(list.jobs[1].lastRun)
            #expect(run.scheduledFor == minute && run.startedAt == minute && run.trigger == .schedule && run.exitCode == 0)
            #expect(list.jobs[1].nextRun == Self.at("2026-12-07T10:02:00Z"))
            #expect(list.jobs[0].lastRun == nil, "boom is not due before 10:05")
            try await server.eventually("the output is in the app's logs") {
                try await server.get("/v1/apps/cronsched/logs?process=cron.tick").decode(AppLogList.self).lines.map(\.text) == ["ticked at the minute"]
            }

            // A failing job: its exit code is recorded and it is an event.
            _ = try await clock.sleeper()
            clock.advance(to: Self.at("2026-12-07T10:05:00Z"))
            try await server.eventually("boom ran and failed") {
                try await server.get("/v1/apps/cronsched/cron").decode(CronJobList.self).jobs[0].lastRun?.status == .failed
            }
            let failed = try #require(try await server.get("/v1/apps/cronsched/cron").decode(CronJobList.self).jobs[0].lastRun)
            #expect(failed.exitCode == 3 && failed.message == "exited with code 3")
            try await server.eventually("a cron.failed event") {
                try await server.get("/v1/apps/cronsched/events").decode(EventList.self).events.contains {
                    $0.kind == .cronFailed && $0.message == "cron job boom (run \(failed.id)) exited with code 3"
                }
            }
        }
    }

    @Test("concurrency: forbid skips a run while one runs; a manual run then answers 409")
    func forbidSkipsOverlap() async throws {
        let start = Self.at("2026-12-07T10:00:30Z")
        let clock = ManualCronClock(start)
        try await InProcessServer.with(configure: { $0.cronClock = clock }) { server in
            try await server.deploy("cronforbid", files: Self.files("  slow: {schedule: \"* * * * *\", command: [slow], timezone: UTC}"))
            let minute = Self.at("2026-12-07T10:01:00Z")
            try await Self.letSchedulerSee(clock, after: start, due: minute)
            await server.engine.hold(.oneOff, app: "cronforbid")
            let manual = try await server.request(.post, "/v1/apps/cronforbid/cron/slow/run")
            #expect(manual.status == 202)
            let first = try manual.decode(CronRun.self)
            #expect(first.trigger == .manual && first.status == .running)
            try await server.eventually("the manual run is running") { await server.engine.isWaiting(at: .oneOff, app: "cronforbid") }

            clock.advance(to: minute)
            try await server.eventually("the 10:01 run is recorded as skipped") {
                try await server.get("/v1/apps/cronforbid/cron/slow/runs").decode(CronRunList.self).runs.first?.status == .skipped
            }
            let again = try await server.request(.post, "/v1/apps/cronforbid/cron/slow/run")
            #expect(again.status == 409 && again.errorCode == "conflict")
            #expect(again.errorMessage?.contains("still running (run \(first.id))") == true)

            await server.engine.letGo(.oneOff, app: "cronforbid")
            try await server.eventually("the manual run ends") {
                try await server.get("/v1/apps/cronforbid/cron/slow/runs").decode(CronRunList.self).runs.last?.status == .succeeded
            }
            let runs = try await server.get("/v1/apps/cronforbid/cron/slow/runs").decode(CronRunList.self).runs
            #expect(runs.map(\.status) == [.skipped, .skipped, .succeeded].suffix(runs.count) || runs.map(\.status) == [.skipped, .succeeded])
            #expect(runs.first?.message == "run \(first.id) was still running (concurrency: forbid)")
            #expect(try await server.get("/v1/apps/cronforbid/cron").decode(CronJobList.self).jobs[0].running == 0)
        }
    }

    @Test("runs missed while the server was down run once at start, not once per missed time")
    func missedRunsRunOnce() async throws {
        let store = try SlipwayStore.inMemory()
        let deployed = Date()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-cron-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await InProcessServer.with(store: store, dataDirectory: directory, configure: { $0.cronClock = ManualCronClock(deployed) }) { server in
            try await server.deploy("cronmissed", files: Self.files("  every15: {schedule: \"*/15 * * * *\", command: [true], timezone: UTC}"))
        }
        // Two hours later: eight times were missed.
        let later = deployed.addingTimeInterval(2 * 3600 + 7 * 60)
        let clock = ManualCronClock(later)
        try await InProcessServer.with(store: store, dataDirectory: directory, configure: { $0.cronClock = clock }) { server in
            try await server.eventually("one catch-up run") {
                try await server.get("/v1/apps/cronmissed/cron/every15/runs").decode(CronRunList.self).runs.first?.status == .succeeded
            }
            let runs = try await server.get("/v1/apps/cronmissed/cron/every15/runs").decode(CronRunList.self).runs
            #expect(runs.count == 1)
            #expect(runs.first?.trigger == .catchUp)
            #expect(abs((runs.first?.startedAt ?? .distantPast).timeIntervalSince(later)) < 0.002, "started at the server's start")
        }
    }

    @Test("unknown apps and jobs are 404s that say what exists")
    func unknowns() async throws {
        try await InProcessServer.with { server in
            #expect(try await server.get("/v1/apps/cronnone/cron").status == 404)
            try await server.deploy("cronplain")
            #expect(try await server.get("/v1/apps/cronplain/cron").decode(CronJobList.self).jobs.isEmpty)
            let missing = try await server.request(.post, "/v1/apps/cronplain/cron/nightly/run")
            #expect(missing.status == 404)
            #expect(missing.errorMessage == "cronplain has no cron job named nightly (it has: none; add `cron:` to slipway.yaml)")
            #expect(try await server.get("/v1/apps/cronplain/cron/nightly/runs").status == 404)
        }
    }
}
