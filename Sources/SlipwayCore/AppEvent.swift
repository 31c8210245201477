import Foundation

/// Something that happened to an app: a deploy, a release, a replica's life. Kept by the server
/// (`GET /v1/apps/{app}/events`, `slipway events APP`) so "what happened at 3 am" has an answer.
public struct AppEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case deployStarted = "deploy.started"
        case deployCompleted = "deploy.completed"
        case deployFailed = "deploy.failed"
        case releaseCreated = "release.created"
        case configChanged = "config.changed"
        case scaled
        case replicaStarted = "replica.started"
        case replicaReady = "replica.ready"
        case replicaStopped = "replica.stopped"
        case replicaCrashed = "replica.crashed"
        case replicaOOMKilled = "replica.oom-killed"
        case replicaUnhealthy = "replica.unhealthy"
        case replicaRestarted = "replica.restarted"
        /// ACME: a certificate for one of the app's hosts was obtained or renewed.
        case certificateIssued = "certificate.issued"
        /// ACME: obtaining or renewing one failed (the old certificate, if any, keeps serving).
        case certificateFailed = "certificate.failed"
        /// A scheduled job's run failed: a non-zero exit, its timeout, or it could not start.
        case cronFailed = "cron.failed"
        /// A preview app (`APP-pr-N`) was destroyed: its pull request closed, or it idled past its TTL.
        case previewDestroyed = "preview.destroyed"
        /// A pull request got no preview (the parent's --max was reached).
        case previewRefused = "preview.refused"
        /// A backup of an add-on was made and stored (`slipway backups create`, or its schedule).
        case backupCreated = "backup.created"
        /// A backup could not be made, or one made failed its verification restore.
        case backupFailed = "backup.failed"
        /// A backup was restored into a throwaway container and checked.
        case backupVerified = "backup.verified"
    }

    /// Position in the server's event log: increasing, so a follower resumes after the last one it saw.
    public var seq: Int?
    public var time: Date
    public var app: String
    public var kind: Kind
    public var message: String
    public var release: Int?
    /// The replica it is about, e.g. `web.1`.
    public var replica: String?
    public var traceId: String?

    public init(seq: Int? = nil, time: Date = Date(), app: String, kind: Kind, message: String, release: Int? = nil,
                replica: String? = nil, traceId: String? = nil) {
        self.seq = seq
        self.time = time
        self.app = app
        self.kind = kind
        self.message = message
        self.release = release
        self.replica = replica
        self.traceId = traceId
    }
}

public struct EventList: Codable, Sendable {
    public var events: [AppEvent]
    public init(events: [AppEvent]) { self.events = events }
}

/// One line an app's process printed, as `slipway logs` shows it:
/// `2026-01-02T03:04:05.123Z web.1 | text`.
public struct AppLogLine: Codable, Sendable, Equatable {
    public var time: Date
    /// Process type and replica, e.g. `web.1`.
    public var process: String
    /// "stdout" or "stderr".
    public var stream: String
    public var text: String

    public init(time: Date, process: String, stream: String, text: String) {
        self.time = time
        self.process = process
        self.stream = stream
        self.text = text
    }

    /// The process type (`web` of `web.1`).
    public var processType: Substring { process.split(separator: ".").first ?? Substring(process) }

    public var formatted: String { "\(Timestamp.string(time)) \(process) | \(text)" }
}

public struct AppLogList: Codable, Sendable {
    public var lines: [AppLogLine]
    public init(lines: [AppLogLine]) { self.lines = lines }
}
