/// The pipeline's stages, in the order a deploy runs them.
public enum StageName: String, Sendable, Codable, CaseIterable {
    case fetch, config, build, release, run, route

    /// The wording RAD's `/status` text lines use (`[COMPLETED]: build docker image`).
    public var radDescription: String {
        switch self {
        case .fetch: "clone git repository"
        case .config: "read configuration"
        case .build: "build docker image"
        case .release: "create release"
        case .run: "start containers"
        case .route: "route traffic"
        }
    }
}

/// A stage's status; the API spells them as RAD does (`IN PROGRESS`, `COMPLETED`, `ERROR`).
public enum StageStatus: String, Sendable, Codable {
    case pending = "PENDING"
    case inProgress = "IN PROGRESS"
    case completed = "COMPLETED"
    case error = "ERROR"
    /// Not run because an earlier stage failed.
    case skipped = "SKIPPED"

    public var isFinished: Bool { self == .completed || self == .error || self == .skipped }

    /// The stage state machine: pending -> in progress -> completed | error; pending -> skipped.
    public func canMove(to next: StageStatus) -> Bool {
        switch (self, next) {
        case (.pending, .inProgress), (.pending, .skipped), (.pending, .error),
             (.inProgress, .completed), (.inProgress, .error):
            true
        default:
            false
        }
    }
}

/// A deploy's overall status: in progress until every stage completed, or one failed.
public enum DeployStatus: String, Sendable, Codable {
    case inProgress = "IN PROGRESS"
    case completed = "COMPLETED"
    case error = "ERROR"
}
