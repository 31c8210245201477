import Foundation
import Logging
import SlipwayCore
import SlipwaySource
import SlipwayEngines
import SlipwayStore

/// Runs one deploy through its stages, recording each, so that on any error the previous
/// release keeps serving and nothing half-made (containers, images, releases) remains.
/// A source deploy fetches, reads its config, builds and runs the engine's image steps (push,
/// on Kubernetes); a rollback skips those and releases an old release's images and config
/// again. Both then release, run the engine's rollout steps (run; apply and run on Kubernetes)
/// and route.
struct Pipeline: Sendable {
    let store: SlipwayStore
    let engine: any Engine
    let logs: DeployLogs
    let workDirectory: URL
    /// The URL an app is reachable at, for the route stage's message.
    let appURL: @Sendable (String) -> String
    /// Images of this many most recent releases per app are kept (for rollbacks); older ones are pruned.
    var keepReleases = 10
    /// Deploy logs of this many most recent deploys per app are kept.
    var keepDeployLogs = 100
    let logger: Logger
    /// Base images of the Dockerfiles the config stage generates for repositories without one.
    var stackImages = StackImages.defaults
    /// Clones and unpacks deploys' sources (`--git-timeout`).
    var sources = SourceFetcher()
    /// The repositories `git push` writes to (`/git/APP.git`), where pushed deploys check out their commit.
    var gitRepositories: GitRepositories?
    /// The app event log: deploys started, completed or failed, releases created.
    var report: @Sendable (AppEvent) -> Void = { _ in }
    /// Told about each new release, so its secrets are masked in app logs before its replicas start.
    var masks: SecretMasks?
    /// Deploys someone cancelled (`DELETE /v1/deploys/{id}`): they end as "cancelled", not with the interruption's error.
    var cancellations: DeployCancellations?

    /// A release to create: the app, and how to make release vN once N is known.
    struct PlannedRelease: Sendable {
        var app: AppName
        /// The release stage was already started (by a change that checks its base first).
        var alreadyStarted = false
        var make: @Sendable (Int) -> Release
    }

    /// What a deploy has made so far, to undo on failure.
    struct Progress {
        var workspace: URL?
        var builtImages: [String] = []
        var releases: [Release] = []
        /// Rollouts begun: each one not committed (`switched`) is undone.
        var rollouts: [any Rollout] = []
        var switched: Set<String> = []
    }

    func run(_ deploy: QueuedDeploy) async {
        var logger = logger
        logger[metadataKey: "deploy.trace"] = "\(deploy.traceId)"
        logger[metadataKey: "app.name"] = "\(deploy.app)"
        logger.info("deploy started")
        report(AppEvent(app: deploy.app.value, kind: .deployStarted, message: "deploy \(deploy.traceId.prefix(8)) started"
                        + (deploy.requestedBy.map { " by \($0)" } ?? ""), traceId: deploy.traceId))
        var progress = Progress()
        do {
            let planned = if let change = deploy.change {
                try await planChange(deploy, change)
            } else {
                try await planFromSource(deploy, &progress)
            }
            try await releaseAndRollOut(deploy, planned, &progress)
            try store.completeDeploy(deploy.traceId, release: progress.releases.first(where: { $0.app == deploy.app })?.version
                                     ?? progress.releases.first?.version)
            await log(deploy, "Deploy completed in \(elapsed(deploy))")
            for release in progress.releases {
                report(AppEvent(app: release.app.value, kind: .deployCompleted, message: "\(release.label) serves (deploy \(deploy.traceId.prefix(8)))",
                                release: release.version, traceId: deploy.traceId))
            }
            logger.info("deploy completed")
            await pruneImages(of: progress.releases.map(\.app))
        } catch {
            // The reason may quote a replica's output, which may print a secret.
            let reason = if let requester = cancellations?.requester(of: deploy.traceId) {
                cancelledReason(deploy, by: requester)
            } else {
                await logs.mask(deploy.traceId, (error as? SlipwayError)?.message ?? "\(error)")
            }
            // A cancelled deploy's task is cancelled: the clean-up runs in a task of its own.
            let undone = progress
            await Task { await undo(undone) }.value
            await log(deploy, "ERROR: \(reason)")
            report(AppEvent(app: deploy.app.value, kind: .deployFailed, message: "deploy \(deploy.traceId.prefix(8)) failed: \(reason)",
                            traceId: deploy.traceId))
            do { try store.failDeploy(deploy.traceId, reason: reason) } catch {
                logger.error("could not record the deploy's failure", metadata: ["error": "\(error)"])
            }
            logger.info("deploy failed", metadata: ["reason": "\(reason)"])
        }
        await logs.close(deploy.traceId)
        await logs.remove((try? store.finishedDeploys(of: deploy.app, beyondNewest: keepDeployLogs)) ?? [])
        if let workspace = progress.workspace { try? FileManager.default.removeItem(at: workspace.deletingLastPathComponent()) }
        if let upload = deploy.uploadPath { try? FileManager.default.removeItem(atPath: upload) }
    }

    /// release, run and route: shared by source deploys and rollbacks.
    private func releaseAndRollOut(_ deploy: QueuedDeploy, _ planned: [PlannedRelease], _ progress: inout Progress) async throws {
        let releases = try await stage(deploy, .release, alreadyStarted: planned.contains(where: \.alreadyStarted)) {
            var releases: [Release] = []
            for plan in planned {
                let release = try store.createRelease(app: plan.app, plan.make)
                releases.append(release)
                await log(deploy, "Created release \(release.label) of \(plan.app)")
                reportRelease(release, change: deploy.change)
                await masks?.invalidate(release.app.value)
            }
            return (releases, releases.map { "\($0.app) \($0.label)" }.joined(separator: ", "))
        }
        progress.releases = releases
        var previous: [String: Release] = [:]
        for release in releases { previous[release.app.value] = try store.currentRelease(of: release.app) }
        for release in releases + previous.values {
            await logs.addMask(deploy.traceId, SecretMask(release: release))
        }
        // A change of the formation alone runs no release phase (as Heroku's scale); every other release does.
        let formationOnly = deploy.change.map { $0.scale != nil && $0.setConfig == nil && $0.unsetConfig == nil && $0.rollbackTo == nil } ?? false
        // The engine's rollout stages (run; apply and run on Kubernetes), each a step of every
        // release's rollout. The first one begins with the release phase, before any replica
        // changes, then takes each app's rollout; a failing step undoes itself, and rollouts of
        // other apps are undone by `undo`.
        for (position, name) in engine.rolloutStages.enumerated() {
            try await stage(deploy, name) {
                if position == 0 {
                    for release in releases where !formationOnly {
                        try await runReleasePhase(deploy, release, previous: previous[release.app.value])
                    }
                    for release in releases {
                        progress.rollouts.append(try await engine.rollOut(release, previous: previous[release.app.value], log: sink(deploy)))
                    }
                }
                var messages: [String] = []
                for rollout in progress.rollouts { messages.append(try await rollout.perform(name)) }
                return ((), messages.joined(separator: "; "))
            }
        }
        // route: each release serves and becomes its app's current release.
        try await stage(deploy, .route) {
            // Once traffic starts to switch a cancel no longer stops it (half a switch would serve
            // neither release in full): the commits run in a task of their own.
            let rollouts = progress.rollouts
            let outcome = await Task { () async -> (switched: [String], error: (any Error)?) in
                var switched: [String] = []
                for rollout in rollouts {
                    do { try await rollout.commit() } catch { return (switched, error) }
                    switched.append(rollout.release.app.value)
                }
                return (switched, nil)
            }.value
            progress.switched.formUnion(outcome.switched)
            if let error = outcome.error { throw error }
            return ((), releases.map { "\($0.label) serves \(appURL($0.app.value))" }.joined(separator: ", "))
        }
    }

    /// The release phase: the release command, once, in a one-off container from the new release,
    /// before any replica changes. A failure stops the deploy with the previous release serving.
    private func runReleasePhase(_ deploy: QueuedDeploy, _ release: Release, previous: Release?) async throws {
        guard let command = release.releaseCommand else { return }
        await log(deploy, "Running the release command of \(release.label): \(command.joined(separator: " "))")
        let logs = self.logs
        let traceId = deploy.traceId
        let code = try await engine.runOneOff(release, service: nil, command: command, stdin: nil, purpose: .release) { event in
            await logs.appendOutput(traceId, "release | \(event.text ?? "")")
        }
        guard code == 0 else {
            let serving = previous.map { "\($0.label) keeps serving" } ?? "nothing was started"
            throw SlipwayError.engine("the release command exited with code \(code) (its output is above); no replica changed and \(serving)")
        }
        await log(deploy, "Release command finished (exit code 0)")
    }

    /// "cancelled during build by alice": the stage the deploy had reached, and who asked.
    private func cancelledReason(_ deploy: QueuedDeploy, by requester: String) -> String {
        let stage = (try? store.deploy(deploy.traceId))?.stages.first { $0.status == .inProgress }?.name
        return "cancelled" + (stage.map { " during \($0)" } ?? "") + (requester.isEmpty ? "" : " by \(requester)")
    }

    /// Undoes what a failed deploy made; what was already switched stays (it serves).
    private func undo(_ progress: Progress) async {
        for rollout in progress.rollouts where !progress.switched.contains(rollout.release.app.value) {
            await rollout.undo()
        }
        for release in progress.releases where !progress.switched.contains(release.app.value) {
            try? store.discardRelease(app: release.app, version: release.version)
        }
        if progress.switched.isEmpty {
            // An identical earlier build has the same image id: keep what any release refers to.
            let used = (try? store.releaseImages()) ?? Set(progress.builtImages)
            await engine.discardImages(progress.builtImages.filter { !used.contains($0) })
        }
    }

    /// Removes the images of releases older than the last `keepReleases` of each app, unless a kept
    /// release still uses them.
    private func pruneImages(of apps: [AppName]) async {
        guard let kept = try? store.releaseImages(newest: keepReleases) else { return }
        for app in apps {
            guard let releases = try? store.releases(of: app), releases.count > keepReleases else { continue }
            let old = Set(releases.dropFirst(keepReleases).flatMap { $0.services.map(\.image) }).subtracting(kept)
            if !old.isEmpty {
                logger.info("pruning images of old releases", metadata: ["app.name": "\(app)", "images": "\(old.count)"])
                await engine.discardImages(Array(old), builtBy: (try? store.deployTraceIds(of: app)) ?? [])
            }
        }
    }

    /// Runs one stage: records its start, its outcome and its message, and logs it.
    @discardableResult
    func stage<T>(_ deploy: QueuedDeploy, _ name: StageName, alreadyStarted: Bool = false,
                  _ body: () async throws -> (T, String)) async throws -> T {
        if !alreadyStarted { try store.startStage(deploy.traceId, name) }
        await log(deploy, "-----> \(name.rawValue)")
        let started = ContinuousClock.now
        let (value, message): (T, String)
        do {
            (value, message) = try await body()
        } catch {
            ServerMetrics.stageFinished(name, after: ContinuousClock.now - started, failed: true)
            throw error
        }
        ServerMetrics.stageFinished(name, after: ContinuousClock.now - started, failed: false)
        try store.completeStage(deploy.traceId, name, message: message)
        await log(deploy, "       \(message) (\(String(format: "%.2f", (ContinuousClock.now - started).seconds))s)")
        return value
    }

    func sink(_ deploy: QueuedDeploy) -> LogSink {
        let logs = self.logs
        let traceId = deploy.traceId
        return { line in await logs.appendOutput(traceId, line) }
    }

    func log(_ deploy: QueuedDeploy, _ line: String) async {
        await logs.append(deploy.traceId, line)
    }

    private func elapsed(_ deploy: QueuedDeploy) -> String {
        guard let view = try? store.deploy(deploy.traceId) else { return "" }
        return String(format: "%.2fs", Date().timeIntervalSince(view.createdAt))
    }
}

extension Pipeline {
    /// `release.created`, and what the change was about when it was not a build.
    func reportRelease(_ release: Release, change: ReleaseChange?) {
        let app = release.app.value
        report(AppEvent(app: app, kind: .releaseCreated, message: "\(release.label): \(release.description ?? "")",
                        release: release.version, traceId: release.traceId))
        guard let change else { return }
        if change.setConfig != nil || change.unsetConfig != nil || change.setFiles != nil || change.removeFiles != nil {
            // Key names only: values may be secrets.
            report(AppEvent(app: app, kind: .configChanged, message: change.description(base: release), release: release.version,
                            traceId: release.traceId))
        }
        if let scale = change.scale {
            let formation = scale.keys.sorted().map { "\($0)=\(scale[$0] ?? 0)" }.joined(separator: " ")
            report(AppEvent(app: app, kind: .scaled, message: "scaled to \(formation)", release: release.version, traceId: release.traceId))
        }
    }
}
