import Foundation
import SlipwayCore

/// Where a deploy's log lines go (the deploy log file, and whoever follows it).
public typealias LogSink = @Sendable (String) async -> Void

/// What runs apps: the local container engine with the built-in router (the embedded default),
/// or a Kubernetes cluster.
///
/// A deploy calls, in this order:
/// 1. `build`, then each of `imageSteps` (a stage each: `push` on Kubernetes) — no lock is held;
///    a failure leaves nothing running changed (`discardImages` removes what was built).
/// 2. `rollOut(release, previous:)` — takes the app's lock (throws `conflict` if another rollout,
///    a destroy or a reconcile pass keeps it longer than a minute) and returns the `Rollout`
///    that holds it; the lock's lifetime is the handle's.
/// 3. `rollout.perform(stage)` for each of `rolloutStages`, in order, once each (`run`; on
///    Kubernetes `apply`, then `run`). A failing step puts the previous release back itself
///    and throws why (`SlipwayError`); the rollout stays open.
/// 4. Exactly one of `rollout.commit()` (`release` serves and is recorded as the app's current
///    release in `CurrentReleases`; if it throws, the rollout stays open: undo it) or
///    `rollout.undo()` (`previous` serves again, or nothing when there was none; never throws).
///    Either ends the rollout and frees the lock.
///
/// The current release is recorded only in `CurrentReleases` (the store): `commit` writes it,
/// `restore` and `supervise` read it. `restore` runs once after a server start, before any
/// deploy; `supervise` runs until cancelled. `replicas`, `runOneOff`, `collectLogs` and
/// `destroy` may be called any time; `destroy` takes the app's lock like a rollout.
public protocol Engine: Sendable {
    /// Builds one image per distinct Dockerfile of `spec` from `workspace` (the build context).
    /// Returns the image id per service name. Throws `invalidSource` when a build fails.
    func build(app: AppName, spec: AppSpec, workspace: URL, traceId: String, log: @escaping LogSink) async throws -> [String: String]

    /// The stages this engine adds after `build`, in order, each turning an app's images into
    /// those its release records (Kubernetes: `push` to the registry). Empty locally.
    var imageSteps: [ImageStep] { get }

    /// The stages a `Rollout` performs before `route`, in order (`run`; on Kubernetes `apply`
    /// and `run`). The release phase runs at the start of the first one.
    var rolloutStages: [StageName] { get }

    /// Starts changing `release.app` from `previous` (what serves now) to `release`: takes the
    /// app's lock, changes nothing yet. See `Rollout` and the protocol's call order.
    func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> any Rollout

    /// Removes images a failed deploy built and no release uses.
    func discardImages(_ images: [String]) async

    /// Removes images no release uses, with every tag of theirs that the deploys `traceIds` made
    /// (an identical build deployed twice is one image with two tags, which the engine will not
    /// remove by its id); tags other deploys made (another server's, on a shared engine) stay.
    func discardImages(_ images: [String], builtBy traceIds: [String]) async

    /// The images of `release` that no longer exist (pruned), which a rollback to it would need.
    func missingImages(of release: Release) async -> [String]

    /// Runs `command` once in a new container from `release` (its image, config and volumes),
    /// streams its output, and returns its exit code. The container is removed afterwards,
    /// also when the caller is cancelled. `stdin`, when given, is the command's standard input.
    func runOneOff(_ release: Release, service: String?, command: [String], stdin: Data?, purpose: OneOffPurpose,
                   output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int

    /// Runs `command` in a new container with its standard input attached (`slipway run -i/-t`,
    /// `slipway addons connect`): from `release` (its image, config and volumes), or from the
    /// add-on's image on the app's network when `addon` is given. With `tty` the process gets a
    /// terminal. `input` feeds it (and resizes the terminal); `output` gets (1 stdout or 2
    /// stderr, bytes). Returns its exit code; the container is removed afterwards.
    func runInteractive(_ release: Release, service: String?, addon: AddonSpec?, command: [String], tty: Bool,
                        input: AsyncStream<InteractiveInput>, output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int

    /// Follows the output of every replica (present and future) until cancelled, handing each line
    /// to `deliver` with its app. Replicas running already resume after `resumeAfter(app)`.
    func collectLogs(resumeAfter: @escaping @Sendable (String) -> Date?,
                     deliver: @escaping @Sendable (String, AppLogLine) async -> Void) async

    /// The replicas that run for an app now.
    func replicas(of app: AppName) async throws -> [ReplicaView]

    /// The replicas of each of `apps` (every one of them a key, with none when nothing runs),
    /// from as few looks at the engine as it can: the local engine lists its containers once for
    /// all of them (a listing costs the same for one app as for a hundred).
    func replicas(of apps: [AppName]) async throws -> [AppName: [ReplicaView]]

    /// CPU time and memory of every running replica of every app, read now (for the metrics
    /// history). Engines that cannot say answer none.
    func resourceUsage() async -> [ReplicaUsage]

    /// Stops and removes everything of an app and frees its routes. Named volumes survive
    /// (deploys, rollbacks and destroys alike) unless `removingVolumes`. Returns the volumes
    /// removed and those kept (engine names).
    func destroy(app: AppName, removingVolumes: Bool) async throws -> DestroyedVolumes

    /// Starts an add-on (its data volume, its container on the app's private network, reachable
    /// there as `addon.host`, never routed) and waits until it accepts connections. An add-on of
    /// that name running already is replaced (its volume kept).
    func startAddon(_ addon: AddonSpec) async throws

    /// State, volume and size on disk of the app's add-ons, by name (those the engine has).
    func addonStatus(app: AppName) async throws -> [String: AddonStatus]

    /// Runs `tool` in a throwaway container from the add-on's image on the app's network
    /// (`slipway backups`: pg_dump, pg_restore, redis-cli, a scratch server to verify a backup).
    /// Nothing of the app is mounted and no config is given; the tool's secret file (the add-on's
    /// password) is written into the container before it starts, never into its configuration.
    /// With `tool.stopsAddon` the add-on is stopped meanwhile (the app's lock held, so nothing
    /// starts it), its data volume is mounted at its data path, and the add-on is started again
    /// afterwards whatever happened. `input` feeds the command's standard input (pulled as the
    /// container reads: a stream made with `AsyncStream(unfolding:)` keeps a large file out of
    /// memory); `output` gets (1 stdout or 2 stderr, bytes). Returns the exit code; the container
    /// is removed afterwards (and by `restore` after a server that was killed meanwhile).
    func runAddonTool(_ addon: AddonSpec, tool: AddonTool, input: AsyncStream<InteractiveInput>,
                      output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int

    /// Stops and removes the add-on; its data volume too when `removingVolume`.
    func removeAddon(_ addon: AddonSpec, removingVolume: Bool) async throws -> DestroyedVolumes

    /// After a server start, before any deploy: adopts the replicas of the current releases,
    /// routes them again, and removes Slipway's containers that belong to no current release.
    func restore() async throws

    /// Keeps what runs equal to the current releases until cancelled: restarts crashed replicas
    /// (with backoff), replaces missing ones, health-checks the running ones and takes failing
    /// ones out of rotation, removes containers that belong to no current release. Apps whose
    /// lock is held (a rollout, a destroy) are left alone. Kubernetes does this itself.
    func supervise() async
}

/// A rollout of one release, from `rollOut` until `commit` or `undo` (see `Engine` for the call
/// order). It holds the app's lock: nothing else changes the app meanwhile.
///
/// Dropped without `commit` or `undo` (a bug, or a task cut off), a rollout frees the lock and
/// the app returns to its recorded current release: locally the reconciler removes the new
/// release's replicas and restarts any missing replica of the current one; on Kubernetes the
/// current release's objects are applied again. A warning is logged.
public protocol Rollout: AnyObject, Sendable {
    /// The release being rolled out.
    var release: Release { get }

    /// Performs one of the engine's `rolloutStages`; returns the stage's message. On failure the
    /// previous release serves again and the error says why; the rollout stays open (undo it).
    func perform(_ stage: StageName) async throws -> String

    /// The release serves alone and is recorded as its app's current release; what is left of
    /// other releases stops; the lock is freed. If it throws, the rollout is still open.
    func commit() async throws

    /// Puts back what served before (`previous`, or nothing if there was none) and frees the lock.
    /// After a failed step, only frees the lock (the step put `previous` back already).
    func undo() async
}

/// A stage an engine adds after `build`: e.g. `push`, which sends images to a registry.
public struct ImageStep: Sendable {
    public var stage: StageName
    /// How the stage's message says what happened to the images (e.g. "pushed": "2 images pushed").
    public var verb: String
    /// Takes an app's images (image per service) and returns those its release records.
    public var perform: @Sendable (_ app: AppName, _ images: [String: String], _ traceId: String, _ log: @escaping LogSink) async throws -> [String: String]

    public init(stage: StageName, verb: String,
                perform: @escaping @Sendable (AppName, [String: String], String, @escaping LogSink) async throws -> [String: String]) {
        self.stage = stage
        self.verb = verb
        self.perform = perform
    }
}

/// What `destroy` did with the app's named volumes.
public struct DestroyedVolumes: Sendable, Equatable {
    public var removed: [String]
    public var kept: [String]
    public init(removed: [String], kept: [String]) {
        self.removed = removed
        self.kept = kept
    }
}

extension Engine {
    public func resourceUsage() async -> [ReplicaUsage] { [] }

    public func discardImages(_ images: [String], builtBy traceIds: [String]) async { await discardImages(images) }

    /// The stages of a deploy on this engine, in order: what a deploy's record lists.
    public var deployStages: [StageName] {
        [.fetch, .config, .build] + imageSteps.map(\.stage) + [.release] + rolloutStages + [.route]
    }
}

/// Why a one-off container runs.
public enum OneOffPurpose: String, Sendable {
    /// The release phase of a deploy (e.g. migrations).
    case release
    /// `slipway run APP -- COMMAND`.
    case run
}

/// What an engine says about one add-on it runs.
public struct AddonStatus: Sendable, Equatable {
    /// `running`, `exited`, `missing`...
    public var state: String
    /// The data volume's engine name (a PersistentVolumeClaim on Kubernetes).
    public var volume: String?
    public var sizeBytes: Int64?
    public init(state: String, volume: String?, sizeBytes: Int64?) {
        (self.state, self.volume, self.sizeBytes) = (state, volume, sizeBytes)
    }
}

/// The one record of which add-ons must run (the store): the reconciler reads it.
public protocol DesiredAddons: Sendable {
    func addons() throws -> [AddonSpec]
}

/// No add-ons: an engine used without a store (tests, tools).
public struct NoAddons: DesiredAddons {
    public init() {}
    public func addons() throws -> [AddonSpec] { [] }
}

/// What an interactive client sends a one-off container.
public enum InteractiveInput: Sendable, Equatable {
    case data(Data)
    case resize(columns: Int, rows: Int)
    case endOfInput
}

extension Engine {
    /// One `replicas(of:)` per app, for engines whose look at one app is cheap (Kubernetes: one
    /// namespace each).
    public func replicas(of apps: [AppName]) async throws -> [AppName: [ReplicaView]] {
        var byApp: [AppName: [ReplicaView]] = [:]
        for app in apps { byApp[app] = try await replicas(of: app) }
        return byApp
    }
}
