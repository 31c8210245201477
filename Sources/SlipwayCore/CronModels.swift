import Foundation

/// One run of a scheduled job, as `slipway cron APP` shows it.
public struct CronRun: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case running
        /// Exited 0.
        case succeeded
        /// Exited non-zero, or could not start (see `message`).
        case failed
        /// Not started: `concurrency: forbid` and an earlier run was still running.
        case skipped
        /// Stopped after the job's `timeout`.
        case timedOut = "timed-out"
        /// Stopped by a newer run (`concurrency: replace`) or by the server shutting down.
        case stopped
        /// The server died while it ran.
        case interrupted
    }

    /// What started it.
    public enum Trigger: String, Codable, Sendable {
        case schedule
        /// `slipway cron run APP NAME`.
        case manual
        /// Once at start-up for the runs missed while the server was down.
        case catchUp = "catch-up"
    }

    public var id: Int
    public var app: String
    public var job: String
    public var release: Int
    public var trigger: Trigger
    /// The schedule time it ran for (nil for a manual run).
    public var scheduledFor: Date?
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: Status
    public var exitCode: Int?
    public var message: String?

    public init(id: Int, app: String, job: String, release: Int, trigger: Trigger, scheduledFor: Date?, startedAt: Date,
                finishedAt: Date? = nil, status: Status, exitCode: Int? = nil, message: String? = nil) {
        self.id = id
        self.app = app
        self.job = job
        self.release = release
        self.trigger = trigger
        self.scheduledFor = scheduledFor
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.exitCode = exitCode
        self.message = message
    }

    /// Seconds from start to end; nil while it runs.
    public var duration: Double? { finishedAt.map { $0.timeIntervalSince(startedAt) } }

    enum CodingKeys: String, CodingKey {
        case id, app, job, release, trigger, scheduledFor, startedAt, finishedAt, status, exitCode, message, duration
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        app = try c.decode(String.self, forKey: .app)
        job = try c.decode(String.self, forKey: .job)
        release = try c.decode(Int.self, forKey: .release)
        trigger = try c.decode(Trigger.self, forKey: .trigger)
        scheduledFor = try c.decodeIfPresent(Date.self, forKey: .scheduledFor)
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
        status = try c.decode(Status.self, forKey: .status)
        exitCode = try c.decodeIfPresent(Int.self, forKey: .exitCode)
        message = try c.decodeIfPresent(String.self, forKey: .message)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(app, forKey: .app)
        try c.encode(job, forKey: .job)
        try c.encode(release, forKey: .release)
        try c.encode(trigger, forKey: .trigger)
        try c.encodeIfPresent(scheduledFor, forKey: .scheduledFor)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(exitCode, forKey: .exitCode)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(duration, forKey: .duration)
    }
}

/// A job of the app's current release with its last run and next time (`GET /v1/apps/{app}/cron`).
public struct CronJobView: Codable, Sendable, Equatable {
    public var name: String
    public var schedule: String
    /// The IANA zone the schedule is read in (the server's when the manifest names none).
    public var timezone: String
    public var command: [String]
    public var timeout: Double
    public var concurrency: CronJobSpec.Concurrency
    public var nextRun: Date?
    public var lastRun: CronRun?
    /// Runs going on now.
    public var running: Int

    public init(job: CronJobSpec, timezone: String, nextRun: Date?, lastRun: CronRun?, running: Int) {
        name = job.name
        schedule = job.schedule
        self.timezone = timezone
        command = job.command
        timeout = job.timeout
        concurrency = job.concurrency
        self.nextRun = nextRun
        self.lastRun = lastRun
        self.running = running
    }
}

public struct CronJobList: Codable, Sendable, Equatable {
    public var jobs: [CronJobView]
    public init(jobs: [CronJobView]) { self.jobs = jobs }
}

public struct CronRunList: Codable, Sendable, Equatable {
    public var runs: [CronRun]
    public init(runs: [CronRun]) { self.runs = runs }
}
