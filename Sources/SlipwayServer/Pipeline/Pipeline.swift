import Foundation
import Logging
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// Runs one deploy through its stages, recording each, so that on any error the previous
/// release keeps serving and nothing half-made (containers, images, releases) remains.
struct Pipeline: Sendable {
    let store: SlipwayStore
    let engine: any Engine
    let logs: DeployLogs
    let workDirectory: URL
    /// The URL an app is reachable at, for the route stage's message.
    let appURL: @Sendable (String) -> String
    let logger: Logger

    /// What a deploy has made so far, to undo on failure.
    private struct Progress {
        var workspace: URL?
        var source: SourceInfo
        var apps: [AppConfigLoader.LoadedApp] = []
        var images: [String: [String: String]] = [:]
        var releases: [Release] = []
        var previous: [String: Release] = [:]
        /// Releases whose rolling update finished (their replicas serve) but which are not current yet.
        var rolledOut: [Release] = []
        var switched: Set<String> = []
    }

    func run(_ deploy: QueuedDeploy) async {
        var logger = logger
        logger[metadataKey: "deploy.trace"] = "\(deploy.traceId)"
        logger[metadataKey: "app.name"] = "\(deploy.app)"
        logger.info("deploy started")
        var progress = Progress(source: deploy.source)
        do {
            try await execute(deploy, &progress)
            try store.completeDeploy(deploy.traceId, release: progress.releases.first(where: { $0.app == deploy.app })?.version
                                     ?? progress.releases.first?.version)
            await log(deploy, "Deploy completed in \(elapsed(deploy))")
            logger.info("deploy completed")
        } catch {
            let reason = (error as? SlipwayError)?.message ?? "\(error)"
            await undo(progress)
            await log(deploy, "ERROR: \(reason)")
            do { try store.failDeploy(deploy.traceId, reason: reason) } catch {
                logger.error("could not record the deploy's failure", metadata: ["error": "\(error)"])
            }
            logger.info("deploy failed", metadata: ["reason": "\(reason)"])
        }
        await logs.close(deploy.traceId)
        if let workspace = progress.workspace { try? FileManager.default.removeItem(at: workspace.deletingLastPathComponent()) }
        if let upload = deploy.uploadPath { try? FileManager.default.removeItem(atPath: upload) }
    }

    private func execute(_ deploy: QueuedDeploy, _ progress: inout Progress) async throws {
        let workspace = workDirectory.appendingPathComponent(deploy.traceId).appendingPathComponent("src")
        try? FileManager.default.removeItem(at: workspace.deletingLastPathComponent())
        try FileManager.default.createDirectory(at: workspace.deletingLastPathComponent(), withIntermediateDirectories: true)
        progress.workspace = workspace

        progress.source = try await stage(deploy, .fetch) {
            let source = try await fetch(deploy, into: workspace)
            try store.setDeploySource(deploy.traceId, source: source)
            return (source, Self.describe(source))
        }
        progress.apps = try await stage(deploy, .config) {
            let apps = try AppConfigLoader.load(workspace: workspace, requestedApp: deploy.app, nameIsExplicit: deploy.appExplicit)
            try store.setDeployApps(deploy.traceId, apps: apps.map(\.name.value))
            return (apps, AppConfigLoader.summary(apps))
        }
        let apps = progress.apps
        progress.images = try await stage(deploy, .build) {
            var images: [String: [String: String]] = [:]
            for app in apps {
                images[app.name.value] = try await engine.build(app: app.name, spec: app.spec, workspace: workspace,
                                                                traceId: deploy.traceId, log: sink(deploy))
            }
            let count = Set(images.values.flatMap(\.values)).count
            return (images, "\(count) image\(count == 1 ? "" : "s") built")
        }
        let images = progress.images
        let source = progress.source
        progress.releases = try await stage(deploy, .release) {
            var releases: [Release] = []
            for app in apps {
                let release = try store.createRelease(app: app.name) { version in
                    Self.makeRelease(app: app, version: version, traceId: deploy.traceId, source: source,
                                     images: images[app.name.value] ?? [:])
                }
                releases.append(release)
                await log(deploy, "Created release \(release.label) of \(app.name)")
            }
            return (releases, releases.map { "\($0.app) \($0.label)" }.joined(separator: ", "))
        }
        let releases = progress.releases
        var previous: [String: Release] = [:]
        for release in releases { previous[release.app.value] = try store.currentRelease(of: release.app) }
        progress.previous = previous
        // run: rolling update per app; a failing one undoes itself, apps rolled before it are undone below.
        try await stage(deploy, .run) {
            for release in releases {
                try await engine.rollOut(release, previous: previous[release.app.value], log: sink(deploy))
                progress.rolledOut.append(release)
            }
            let count = releases.reduce(0) { $0 + $1.services.reduce(0) { $0 + $1.replicas } }
            return ((), "\(count) replica\(count == 1 ? "" : "s") of \(releases.map(\.label).joined(separator: ", ")) ready")
        }
        try await stage(deploy, .route) {
            for release in releases {
                try await engine.completeRollout(release, log: sink(deploy))
                try store.activate(app: release.app, version: release.version)
                progress.switched.insert(release.app.value)
            }
            return ((), releases.map { "\($0.label) serves \(appURL($0.app.value))" }.joined(separator: ", "))
        }
    }

    private func fetch(_ deploy: QueuedDeploy, into workspace: URL) async throws -> SourceInfo {
        let fetcher = SourceFetcher()
        var source = deploy.source
        switch source.kind {
        case .upload:
            guard let upload = deploy.uploadPath else { throw SlipwayError.internal("the uploaded archive is missing") }
            await log(deploy, "Unpacking the uploaded source")
            try fetcher.unpack(URL(fileURLWithPath: upload), into: workspace)
        case .git:
            let location = try SourceLocation(source.url ?? "")
            switch location {
            case .git(let url):
                await log(deploy, "Cloning \(url)\(source.ref.map { " at \($0)" } ?? "")")
                source.commit = try await fetcher.clone(url: url, ref: source.ref, into: workspace)
            case .localPath(let path):
                if FileManager.default.fileExists(atPath: path + "/.git") {
                    await log(deploy, "Cloning \(path)\(source.ref.map { " at \($0)" } ?? "")")
                    source.commit = try await fetcher.clone(url: "file://" + path, ref: source.ref, into: workspace)
                } else {
                    await log(deploy, "Copying \(path)")
                    try fetcher.copyDirectory(path, into: workspace)
                }
            }
        }
        return source
    }

    static func makeRelease(app: AppConfigLoader.LoadedApp, version: Int, traceId: String, source: SourceInfo,
                            images: [String: String]) -> Release {
        let services = app.spec.services.map { service in
            ReleasedService(name: service.name.value, image: images[service.name.value] ?? "",
                            port: service.port ?? ServiceSpec.defaultPort, replicas: service.replicas,
                            env: service.env, command: service.command, health: service.health, rollout: service.rollout)
        }
        return Release(app: app.name, version: version, traceId: traceId, createdAt: Date(), source: source,
                       services: services, defaultService: app.spec.defaultService?.value)
    }

    static func describe(_ source: SourceInfo) -> String {
        switch source.kind {
        case .upload: return "uploaded archive unpacked"
        case .git:
            let commit = source.commit.map { " (commit \($0.prefix(12)))" } ?? ""
            return "\(source.url ?? "")\(source.ref.map { "@\($0)" } ?? "")\(commit)"
        }
    }

    /// Undoes what a failed deploy made; what was already switched stays (it serves).
    private func undo(_ progress: Progress) async {
        for release in progress.rolledOut where !progress.switched.contains(release.app.value) {
            await engine.undoRollout(release, previous: progress.previous[release.app.value], log: { _ in })
        }
        for release in progress.releases where !progress.switched.contains(release.app.value) {
            try? store.discardRelease(app: release.app, version: release.version)
        }
        let unswitched = progress.images.filter { !progress.switched.contains($0.key) }
        await engine.discardImages(unswitched.values.flatMap(\.values))
    }

    /// Runs one stage: records its start, its outcome and its message, and logs it.
    @discardableResult
    private func stage<T>(_ deploy: QueuedDeploy, _ name: StageName,
                          _ body: () async throws -> (T, String)) async throws -> T {
        try store.startStage(deploy.traceId, name)
        await log(deploy, "-----> \(name.rawValue)")
        let started = ContinuousClock.now
        let (value, message) = try await body()
        try store.completeStage(deploy.traceId, name, message: message)
        let seconds = (ContinuousClock.now - started).seconds
        await log(deploy, "       \(message) (\(String(format: "%.2f", seconds))s)")
        return value
    }

    private func sink(_ deploy: QueuedDeploy) -> LogSink {
        let logs = self.logs
        let traceId = deploy.traceId
        return { line in await logs.append(traceId, line) }
    }

    private func log(_ deploy: QueuedDeploy, _ line: String) async {
        await logs.append(deploy.traceId, line)
    }

    private func elapsed(_ deploy: QueuedDeploy) -> String {
        guard let view = try? store.deploy(deploy.traceId) else { return "" }
        return String(format: "%.2fs", Date().timeIntervalSince(view.createdAt))
    }
}
