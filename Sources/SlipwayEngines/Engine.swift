import Foundation
import SlipwayCore

/// Where a deploy's log lines go (the deploy log file, and whoever follows it).
public typealias LogSink = @Sendable (String) async -> Void

/// What runs apps. One protocol, two implementations: the local container engine with the
/// built-in router (the embedded default), and later Kubernetes.
public protocol Engine: Sendable {
    /// Builds one image per distinct Dockerfile of `spec` from `workspace` (the build context).
    /// Returns the image id per service name.
    func build(app: AppName, spec: AppSpec, workspace: URL, traceId: String, log: @escaping LogSink) async throws -> [String: String]

    /// The stages a deploy on this engine records (see the extension for the defaults).
    var deployStages: [StageName] { get }

    /// The `push` stage, after `build`.
    func push(app: AppName, images: [String: String], traceId: String, log: @escaping LogSink) async throws -> [String: String]

    /// The `apply` stage, before `rollOut`.
    func apply(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> String

    /// The `run` stage: a rolling update from what runs now (`previous`) to `release`. New replicas
    /// start beside the old ones (at most `maxSurge` at a time), join the rotation once healthy, and
    /// old ones drain and stop. If a new replica is not ready in time or crashes, the update is
    /// undone — the previous release's replicas serve again — and the error says why.
    func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws

    /// The `route` stage: traffic goes to `release` alone, what is left of other releases stops,
    /// and the reconciler keeps `release` running from now on. `previous` is the release that
    /// served before (what a rollback would return to).
    func completeRollout(_ release: Release, previous: Release?, log: @escaping LogSink) async throws

    /// Puts `previous` back after a rollout succeeded but the deploy failed later (or removes the
    /// app's replicas when there was no previous release).
    func undoRollout(_ release: Release, previous: Release?, log: @escaping LogSink) async

    /// Removes images a failed deploy built and no release uses.
    func discardImages(_ images: [String]) async

    /// The images of `release` that no longer exist (pruned), which a rollback to it would need.
    func missingImages(of release: Release) async -> [String]

    /// Runs `command` once in a new container from `release` (its image, config and volumes),
    /// streams its output, and returns its exit code. The container is removed afterwards,
    /// also when the caller is cancelled. `stdin`, when given, is the command's standard input.
    func runOneOff(_ release: Release, service: String?, command: [String], stdin: Data?, purpose: OneOffPurpose,
                   output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int

    /// Follows the output of every replica (present and future) until cancelled, handing each line
    /// to `deliver` with its app. Replicas running already resume after `resumeAfter(app)`.
    func collectLogs(resumeAfter: @escaping @Sendable (String) -> Date?,
                     deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async

    /// The replicas that run for an app now.
    func replicas(of app: AppName) async throws -> [ReplicaView]

    /// Stops and removes everything of an app and frees its routes.
    func destroy(app: AppName) async throws

    /// The app's named volumes (engine names). They survive deploys, rollbacks and `destroy`.
    func keptVolumes(of app: AppName) async -> [String]

    /// Removes the app's named volumes (after `destroy`); returns their names.
    func removeVolumes(of app: AppName) async throws -> [String]

    /// One pass of the reconciler: restarts crashed replicas (with backoff), replaces missing ones,
    /// health-checks the running ones and takes failing ones out of rotation, removes containers
    /// that belong to no current release. Apps a rollout is changing are left alone.
    func reconcile() async

    /// Engine events that should trigger a reconcile pass at once (a replica died, was killed by
    /// the OOM killer, or was removed from outside). Ends when the engine's event stream ends.
    func replicaEvents() -> AsyncThrowingStream<String, Error>

    /// After a server start: adopts the replicas of the current releases, routes them again,
    /// and removes Slipway's containers that belong to no current release.
    func restore(currentReleases: [Release]) async throws
}

/// Stages only some engines have, and what the others do for them.
extension Engine {
    /// The stages of a deploy on this engine, in order.
    public var deployStages: [StageName] { StageName.localEngine }

    /// The `push` stage (engines with `.push` in `deployStages`): makes the built images (local
    /// image id per service) available where the engine runs them; returns the references a
    /// release records. Others run images where they were built.
    public func push(app: AppName, images: [String: String], traceId: String, log: @escaping LogSink) async throws -> [String: String] {
        images
    }

    /// The `apply` stage (engines with `.apply` in `deployStages`): hands `release` to the
    /// engine without waiting for it to run; `rollOut` then waits. A failure leaves `previous`
    /// as it was. Returns the stage's message.
    public func apply(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> String {
        ""
    }
}

/// Why a one-off container runs.
public enum OneOffPurpose: String, Sendable {
    /// The release phase of a deploy (e.g. migrations).
    case release
    /// `slipway run APP -- COMMAND`.
    case run
}
