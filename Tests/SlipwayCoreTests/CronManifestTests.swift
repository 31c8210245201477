import Foundation
import SlipwayCore
import Testing

@Suite("slipway.yaml: cron jobs")
struct CronManifestTests {
    private func parse(_ cron: String) throws -> AppSpec {
        try ManifestParser.parseSlipwayYAML("services:\n  web: {port: 8080}\ncron:\n" + cron)
    }

    @Test("every field is read; defaults apply")
    func parsesEverything() throws {
        let spec = try parse("""
              cleanup: {schedule: "*/15 * * * *", command: ./cleanup.sh, timeout: 10m, concurrency: replace, timezone: Europe/Berlin}
              report: {schedule: "@daily", command: [python, report.py, --all]}
            """)
        #expect(spec.cronJobs == [
            CronJobSpec(name: "cleanup", schedule: "*/15 * * * *", command: ["/bin/sh", "-c", "./cleanup.sh"], timeout: 600,
                        concurrency: .replace, timeZone: "Europe/Berlin"),
            CronJobSpec(name: "report", schedule: "@daily", command: ["python", "report.py", "--all"], timeout: 3600,
                        concurrency: .forbid, timeZone: nil),
        ])
        #expect(try ManifestParser.parseSlipwayYAML("services: {web: {port: 8080}}").cronJobs == nil)
    }

    @Test("bad jobs are refused with what was wrong", arguments: [
        ("  x: {schedule: \"*/15 * * *\", command: a}", "`cron.x`: cron expression \"*/15 * * *\": has 4 fields"),
        ("  x: {schedule: \"0 25 * * *\", command: a}", "the hour field value 25 is out of range (0-23)"),
        ("  x: {schedule: \"0 0 * * FUNDAY\", command: a}", "the day-of-week field \"FUNDAY\""),
        ("  x: {schedule: \"@daily\", command: a, timezone: Moon/Base}", "time zone \"Moon/Base\" is unknown"),
        ("  x: {command: a}", "`cron.x.schedule` is missing"),
        ("  x: {schedule: \"@daily\"}", "`cron.x.command` is missing"),
        ("  x: {schedule: \"@daily\", command: []}", "`cron.x.command` must be a non-empty list"),
        ("  x: {schedule: \"@daily\", command: a, concurrency: sometimes}", "must be one of forbid, allow, replace"),
        ("  x: {schedule: \"@daily\", command: a, timeout: forever}", "`cron.x.timeout` must be a duration"),
        ("  x: {schedule: \"@daily\", command: a, timeout: 0s}", "between 1s and 7 days"),
        ("  x: {schedule: \"@daily\", command: a, retries: 3}", "unknown field `cron.x.retries`"),
        ("  Bad_Name: {schedule: \"@daily\", command: a}", "cron job name"),
        ("  x: \"@daily\"", "`cron.x` must be a mapping"),
        ("  - x", "`cron` must be a mapping"),
    ])
    func refused(yaml: String, message: String) {
        do {
            _ = try parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch let error as SlipwayError {
            #expect(error.code == "invalid_manifest")
            #expect(error.message.contains(message), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a release carries its jobs to the API view")
    func releaseView() throws {
        var release = Release(app: try AppName("cronview"), version: 1, traceId: "t", createdAt: Date(),
                              source: SourceInfo(kind: .upload), services: [], defaultService: nil)
        release.cronJobs = [CronJobSpec(name: "a", schedule: "@hourly", command: ["true"])]
        #expect(ReleaseView(release: release, current: true).cronJobs == release.cronJobs)
    }
}
