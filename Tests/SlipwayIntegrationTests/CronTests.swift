import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Scheduled jobs against the real engine: a job with a one-minute schedule runs at the minute
    /// in a one-off container of the current release, its output is in `slipway logs`, and the
    /// CLI lists and runs it. (Overlap, catch-up and failures: SlipwayServerTests' CronSchedulerTests.)
    @Suite("Scheduled jobs", .serialized)
    struct CronTests {
        static let files: [String: String] = [
            "Dockerfile": "FROM busybox\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]\n",
            "slipway.yaml": """
                services:
                  web: {port: 8080}
                cron:
                  tick:
                    schedule: "* * * * *"
                    command: echo "tick-from-cron at $(date +%s) of $SLIPWAY_RELEASE"
                    timezone: UTC
                    timeout: 30s

                """,
        ]

        @Test("a one-minute job runs at the minute, to the second; its output is in slipway logs; slipway cron lists and runs it")
        func runsOnTime() async throws {
            let repo = try await GitRepository(files: Self.files)
            defer { repo.remove() }
            try await TestServer.with { server in
                let name = "cron-\(UUID().uuidString.prefix(6).lowercased())"
                let app = try DNSLabel(name)
                try #require(try await server.deploy(name, source: repo.url).status == .completed)
                let deadline = Date().addingTimeInterval(100)
                var run: CronRun?
                while Date() < deadline, run?.status != .succeeded {
                    try await Task.sleep(for: .milliseconds(250))
                    run = try await server.client.cronJobs(app: app).jobs.first?.lastRun
                }
                let finished = try #require(run, "no run within 100 s of the deploy")
                #expect(finished.status == .succeeded && finished.exitCode == 0 && finished.trigger == .schedule, "\(finished)")
                let slot = try #require(finished.scheduledFor)
                #expect(slot.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0, "scheduled for a whole minute: \(slot)")
                let late = finished.startedAt.timeIntervalSince(slot)
                #expect(late >= 0 && late < 1, "started \(late) s after its minute")

                // The container's own clock, printed by the job: podman's start time on top.
                let lines = try await server.client.logs(app: app, .init(process: "cron.tick")).lines
                let line = try #require(lines.first { $0.text.hasPrefix("tick-from-cron at ") }, "\(lines)")
                #expect(line.text.hasSuffix(" of v1"))
                let printed = try #require(Double(line.text.split(separator: " ")[2]))
                #expect(printed - slot.timeIntervalSince1970 < 10, "the job printed its time \(printed - slot.timeIntervalSince1970) s after its minute")
                print("cron: run started \(late) s after \(slot); the container printed \(printed - slot.timeIntervalSince1970) s after it")

                let logs = try await runCLI(["logs", name, "--process", "cron.tick", "--server", server.baseURL])
                #expect(logs.status == 0 && logs.output.contains(" cron.tick | tick-from-cron at "), "\(logs.output)")
                let list = try await runCLI(["cron", name, "--server", server.baseURL])
                #expect(list.status == 0, "\(list.output)")
                #expect(list.output.contains("tick") && list.output.contains("* * * * *") && list.output.contains("exit 0"), "\(list.output)")
                let json = try await runCLI(["cron", name, "--json", "--server", server.baseURL])
                let decoded = try Timestamp.decoder().decode(CronJobList.self, from: Data(json.output.utf8))
                #expect(decoded.jobs.first?.nextRun.map { $0 > slot } == true)

                let manual = try await runCLI(["cron", "run", name, "tick", "--server", server.baseURL])
                #expect(manual.status == 0 && manual.output.contains("started run"), "\(manual.output)")
                let missing = try await runCLI(["cron", "run", name, "nope", "--server", server.baseURL])
                #expect(missing.status != 0 && missing.output.contains("has no cron job named nope (it has: tick)"), "\(missing.output)")
                var runs: [CronRun] = []
                let until = Date().addingTimeInterval(30)
                while Date() < until, !runs.contains(where: { $0.trigger == .manual && $0.status == .succeeded }) {
                    try await Task.sleep(for: .milliseconds(250))
                    runs = try await server.client.cronRuns(app: app, job: "tick").runs
                }
                #expect(runs.contains { $0.trigger == .manual && $0.status == .succeeded }, "\(runs)")
                #expect(try await server.containers(app: name).allSatisfy { $0.labels["io.slipway.oneoff"] == nil }, "one-off containers are removed")
            }
        }
    }
}
