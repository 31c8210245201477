import Foundation
import SlipwayCore
import SlipwaySource
import SlipwayEngines
import SlipwayStore

extension Pipeline {
    /// fetch, config, build and the engine's image steps: from a repository or an upload to images ready to release.
    func planFromSource(_ deploy: QueuedDeploy, _ progress: inout Progress) async throws -> [PlannedRelease] {
        let workspace = workDirectory.appendingPathComponent(deploy.traceId).appendingPathComponent("src")
        try? FileManager.default.removeItem(at: workspace.deletingLastPathComponent())
        try FileManager.default.createDirectory(at: workspace.deletingLastPathComponent(), withIntermediateDirectories: true)
        progress.workspace = workspace

        let source = try await stage(deploy, .fetch) {
            let source = try await fetch(deploy, into: workspace)
            try store.setDeploySource(deploy.traceId, source: source)
            return (source, Self.describe(source))
        }
        let apps = try await stage(deploy, .config) {
            let apps = try await AppConfigLoader.load(workspace: workspace, requestedApp: deploy.app, nameIsExplicit: deploy.appExplicit,
                                                      stackImages: stackImages, log: { await log(deploy, $0) })
            try AppOwnership.check(apps, deploy: deploy, store: store)
            try store.setDeployApps(deploy.traceId, apps: apps.map(\.name.value))
            return (apps, AppConfigLoader.summary(apps))
        }
        var images: [String: [String: String]] = [:]
        try await stage(deploy, .build) {
            for app in apps {
                let built = try await engine.build(app: app.name, spec: app.spec, workspace: workspace,
                                                   traceId: deploy.traceId, log: sink(deploy))
                images[app.name.value] = built
                progress.builtImages += built.values
            }
            let count = Set(images.values.flatMap(\.values)).count
            return ((), "\(count) image\(count == 1 ? "" : "s") built")
        }
        for step in engine.imageSteps {
            try await stage(deploy, step.stage) {
                for app in apps {
                    images[app.name.value] = try await step.perform(app.name, images[app.name.value] ?? [:], deploy.traceId, sink(deploy))
                }
                let count = Set(images.values.flatMap(\.values)).count
                return ((), "\(count) image\(count == 1 ? "" : "s") \(step.verb)")
            }
        }
        let description = "Deploy " + (source.commit.map { String($0.prefix(7)) } ?? "of an upload")
        return try apps.map { app in
            let appImages = images[app.name.value] ?? [:]
            // Config vars and config files live on from release to release; a new build does not
            // reset them. A preview's first release starts from its parent's.
            let base = try store.currentRelease(of: app.name)
                ?? store.preview(app.name).flatMap { try store.currentRelease(of: $0.parent) }
            let config = base?.config
            let files = base?.files
            return PlannedRelease(app: app.name) { version in
                var release = Self.makeRelease(app: app, version: version, traceId: deploy.traceId, source: source,
                                               images: appImages, description: description, createdBy: deploy.requestedBy)
                release.config = config
                if release.files == nil { release.files = files }
                if release.secretKeys == nil { release.secretKeys = base?.secretKeys }
                return release
            }
        }
    }

    private func fetch(_ deploy: QueuedDeploy, into workspace: URL) async throws -> SourceInfo {
        let fetcher = sources
        var source = deploy.source
        switch source.kind {
        case .upload:
            guard let upload = deploy.uploadPath else { throw SlipwayError.internal("the uploaded archive is missing") }
            await log(deploy, "Unpacking the uploaded source")
            try await fetcher.unpack(URL(fileURLWithPath: upload), into: workspace)
        case .git:
            switch try SourceLocation(source.url ?? "") {
            case .git(let url):
                // `url` is as the deploy shows it (credentials redacted); the credentials come from the store.
                await log(deploy, "Cloning \(url)\(source.ref.map { " at \($0)" } ?? "")")
                if let warning = GitURLSafety.transportWarning(url) { await log(deploy, warning) }
                let credentials = try store.takeDeployCredentials(deploy.traceId)
                let sshDirectory = workspace.deletingLastPathComponent().appendingPathComponent("ssh")
                defer { try? FileManager.default.removeItem(at: sshDirectory) }
                let ssh = try sshAccess(deploy, url: url, directory: sshDirectory)
                if ssh != nil { await log(deploy, "Using \(deploy.app)'s deploy key and pinned host key") }
                source.commit = try await fetcher.clone(url: GitURLSafety.withoutRedaction(url), ref: source.ref, into: workspace,
                                                        credentials: credentials.map { ($0.username, $0.password) }, ssh: ssh)
            case .localPath(let path):
                if FileManager.default.fileExists(atPath: path + "/.git") {
                    await log(deploy, "Cloning \(path)\(source.ref.map { " at \($0)" } ?? "")")
                    source.commit = try await fetcher.clone(url: "file://" + path, ref: source.ref, into: workspace)
                } else {
                    await log(deploy, "Copying \(path)")
                    try fetcher.copyDirectory(path, into: workspace)
                }
            }
        case .push:
            guard let repositories = gitRepositories, let commit = source.commit else {
                throw SlipwayError.internal("a pushed deploy without its repository or commit")
            }
            await log(deploy, "Checking out the pushed commit \(commit.prefix(12))\(source.ref.map { " of \($0)" } ?? "")")
            _ = try await fetcher.checkoutPushed(repository: repositories.repository(deploy.app).path, commit: commit, into: workspace)
        }
        return source
    }

    static func makeRelease(app: AppConfigLoader.LoadedApp, version: Int, traceId: String, source: SourceInfo,
                            images: [String: String], description: String, createdBy: String?) -> Release {
        app.release(version: version, traceId: traceId, source: source, images: images,
                    description: description, createdBy: createdBy ?? "api")
    }

    static func describe(_ source: SourceInfo) -> String {
        switch source.kind {
        case .upload: return "uploaded archive unpacked"
        case .git, .push:
            let commit = source.commit.map { " (commit \($0.prefix(12)))" } ?? ""
            return "\(source.url ?? "")\(source.ref.map { "@\($0)" } ?? "")\(commit)"
        }
    }

    /// A release without a build (rollback, config change, scale): nothing to fetch, configure,
    /// build or push; it starts from the current release, or from the one a rollback names, whose images
    /// must still exist.
    func planChange(_ deploy: QueuedDeploy, _ change: ReleaseChange) async throws -> [PlannedRelease] {
        let releases = try store.releases(of: deploy.app)
        let baseVersion = try change.rollbackTo ?? store.app(deploy.app)?.currentRelease
        let reason = change.rollbackTo.map { "rollback: reusing v\($0)" } ?? "no build: the current release's images"
        for stage in engine.deployStages.prefix(while: { $0 != .release }) { try store.skipStage(deploy.traceId, stage, message: reason) }
        try store.startStage(deploy.traceId, .release)
        guard let baseVersion, let base = releases.first(where: { $0.version == baseVersion }) else {
            throw SlipwayError.notFound("\(deploy.app) has no release\(change.rollbackTo.map { " v\($0)" } ?? " yet"); `slipway releases \(deploy.app)` lists them")
        }
        if change.rollbackTo != nil, !(await engine.missingImages(of: base)).isEmpty {
            throw SlipwayError.conflict("the images of \(base.label) were pruned; deploy its source again (\(base.source.url ?? "upload")\(base.source.commit.map { " at \($0.prefix(12))" } ?? ""))")
        }
        // Validate now, so a bad change fails before anything is recorded.
        _ = try change.apply(to: base, version: base.version, traceId: deploy.traceId, createdAt: Date(), createdBy: nil)
        await log(deploy, "\(change.description(base: base)) of \(deploy.app), from \(base.label), without a build")
        return [PlannedRelease(app: deploy.app, alreadyStarted: true) { version in
            // Cannot fail: the same change was applied to the same base above.
            (try? change.apply(to: base, version: version, traceId: deploy.traceId, createdAt: Date(),
                               createdBy: deploy.requestedBy ?? "api")) ?? base
        }]
    }
}
