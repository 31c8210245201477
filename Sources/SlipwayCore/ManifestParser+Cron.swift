import Cron

extension ManifestParser {
    /// At most this many jobs per app: each is a timer in the server.
    public static let maxCronJobs = 50

    /// `cron: {NAME: {schedule, command, timeout, concurrency, timezone}}`.
    static func cronJobs(_ raw: Any) throws -> [CronJobSpec] {
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `cron` must be a mapping of job names to settings, e.g. cron: {cleanup: {schedule: \"*/15 * * * *\", command: ./cleanup.sh}}")
        }
        guard map.count <= maxCronJobs else {
            throw SlipwayError.invalidManifest("slipway.yaml: `cron` has \(map.count) jobs; at most \(maxCronJobs) are allowed")
        }
        return try map.keys.sorted().map { name in try cronJob(name: name, raw: map[name] as Any) }
    }

    private static func cronJob(name: String, raw: Any) throws -> CronJobSpec {
        let label: DNSLabel
        do {
            label = try DNSLabel(name, kind: "slipway.yaml cron job name")
        } catch let error as SlipwayError {
            throw SlipwayError.invalidManifest(error.message)
        }
        let path = "cron.\(name)"
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping like {schedule: \"0 3 * * *\", command: ./nightly.sh}")
        }
        try rejectUnknown(map, known: ["schedule", "command", "timeout", "concurrency", "timezone"], path: path)
        guard let schedule = map["schedule"] as? String else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path).schedule` is missing or not a string (e.g. schedule: \"*/15 * * * *\")")
        }
        var zone: String?
        if let rawZone = map["timezone"] {
            guard let text = rawZone as? String else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).timezone` must be an IANA time zone name like Europe/Berlin")
            }
            zone = text
        }
        do {
            _ = try CronSchedule(schedule, timeZone: zone)
        } catch {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)`: \(error)")
        }
        guard let rawCommand = map["command"] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path).command` is missing (e.g. command: ./cleanup.sh)")
        }
        var job = CronJobSpec(name: label.value, schedule: schedule, command: try command(rawCommand, field: "\(path).command"),
                              timeZone: zone)
        if let timeout = map["timeout"] {
            job.timeout = try duration(timeout, field: "\(path).timeout")
            guard job.timeout >= 1, job.timeout <= 7 * 86_400 else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).timeout` must be between 1s and 7 days (168h)")
            }
        }
        if let concurrency = map["concurrency"] {
            guard let text = concurrency as? String, let value = CronJobSpec.Concurrency(rawValue: text) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).concurrency` must be one of forbid, allow, replace")
            }
            job.concurrency = value
        }
        return job
    }
}
