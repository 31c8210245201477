/// The pipeline's stages, in the order a deploy runs them. An engine runs some of them:
/// `push` (images to a registry) and `apply` (objects to a cluster) only the Kubernetes engine.
public enum StageName: String, Sendable, Codable, CaseIterable {
    case fetch, config, build, push, release, apply, run, route

    /// The stages of a deploy on the local container engine, as it declares them
    /// (`Engine.deployStages`): a store is made with these before the engine exists, and the
    /// server checks at start that the two agree.
    public static let localEngine: [StageName] = [.fetch, .config, .build, .release, .run, .route]
    /// The stages of a deploy on the Kubernetes engine: images are pushed after the build, the
    /// release's objects applied (after the release phase) before the rollout is watched.
    public static let kubernetesEngine: [StageName] = allCases

    /// The wording RAD's `/status` text lines use (`[COMPLETED]: build docker image`).
    public var radDescription: String {
        switch self {
        case .fetch: "clone git repository"
        case .config: "read configuration"
        case .build: "build docker image"
        case .push: "push image to registry"
        case .release: "create release"
        case .apply: "apply kubernetes objects"
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
