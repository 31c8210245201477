/// A scheduled job from `slipway.yaml`'s `cron:`: a command run in a one-off container of the
/// app's current release whenever `schedule` falls due.
public struct CronJobSpec: Sendable, Equatable, Codable {
    /// What happens when a run falls due while an earlier one still runs (as Kubernetes CronJobs).
    public enum Concurrency: String, Sendable, Codable, CaseIterable {
        /// Skip the new run (recorded as skipped).
        case forbid
        /// Run both.
        case allow
        /// Stop the running one, then start the new one.
        case replace
    }

    /// A DNS-1123 label; the log process is `cron.NAME`.
    public var name: String
    /// Five-field cron syntax or a shorthand (`@hourly`), checked by the manifest parser.
    public var schedule: String
    public var command: [String]
    /// Seconds a run may take before it is stopped.
    public var timeout: Double
    public var concurrency: Concurrency
    /// IANA time zone the schedule is read in; nil: the server's.
    public var timeZone: String?

    public static let defaultTimeout: Double = 3600

    public init(name: String, schedule: String, command: [String], timeout: Double = Self.defaultTimeout,
                concurrency: Concurrency = .forbid, timeZone: String? = nil) {
        self.name = name
        self.schedule = schedule
        self.command = command
        self.timeout = timeout
        self.concurrency = concurrency
        self.timeZone = timeZone
    }
}
