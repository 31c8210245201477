import Foundation
import SlipwayCore
import SlipwayEngines
import SlipwayStore

extension Pipeline {
    /// fetch, config and build: from a repository or an upload to images ready to release.
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
            let apps = try AppConfigLoader.load(workspace: workspace, requestedApp: deploy.app, nameIsExplicit: deploy.appExplicit)
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
        let description = "Deploy " + (source.commit.map { String($0.prefix(7)) } ?? "of an upload")
        return apps.map { app in
            let appImages = images[app.name.value] ?? [:]
            return PlannedRelease(app: app.name) { version in
                Self.makeRelease(app: app, version: version, traceId: deploy.traceId, source: source, images: appImages,
                                 description: description, createdBy: deploy.requestedBy)
            }
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
            switch try SourceLocation(source.url ?? "") {
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
                            images: [String: String], description: String, createdBy: String?) -> Release {
        let services = app.spec.services.map { service in
            ReleasedService(name: service.name.value, image: images[service.name.value] ?? "",
                            port: service.port ?? ServiceSpec.defaultPort, replicas: service.replicas,
                            env: service.env, command: service.command, health: service.health, rollout: service.rollout)
        }
        return Release(app: app.name, version: version, traceId: traceId, createdAt: Date(), source: source,
                       services: services, defaultService: app.spec.defaultService?.value,
                       description: description, createdBy: createdBy ?? "api")
    }

    static func describe(_ source: SourceInfo) -> String {
        switch source.kind {
        case .upload: return "uploaded archive unpacked"
        case .git:
            let commit = source.commit.map { " (commit \($0.prefix(12)))" } ?? ""
            return "\(source.url ?? "")\(source.ref.map { "@\($0)" } ?? "")\(commit)"
        }
    }

    /// A rollback: nothing to fetch, configure or build; the old release's images must still exist.
    func planRollback(_ deploy: QueuedDeploy) async throws -> [PlannedRelease] {
        guard let target = deploy.rollbackTo else { return [] }
        let old = try store.releases(of: deploy.app).first { $0.version == target }
        for stage in [StageName.fetch, .config, .build] {
            try store.skipStage(deploy.traceId, stage, message: "rollback: reusing v\(target)")
        }
        guard let old else {
            try store.startStage(deploy.traceId, .release)
            throw SlipwayError.notFound("\(deploy.app) has no release v\(target); `slipway releases \(deploy.app)` lists them")
        }
        let missing = await engine.missingImages(of: old)
        if !missing.isEmpty {
            try store.startStage(deploy.traceId, .release)
            throw SlipwayError.conflict("the images of \(old.label) were pruned; deploy its source again (\(old.source.url ?? "upload")\(old.source.commit.map { " at \($0.prefix(12))" } ?? ""))")
        }
        await log(deploy, "Rolling back \(deploy.app) to \(old.label) without a rebuild")
        return [PlannedRelease(app: deploy.app) { version in
            var release = old
            release.version = version
            release.traceId = deploy.traceId
            release.createdAt = Date()
            release.description = "Rollback to \(old.label)"
            release.createdBy = deploy.requestedBy ?? "api"
            return release
        }]
    }
}
