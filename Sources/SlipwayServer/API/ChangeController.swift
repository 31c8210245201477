import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// Releases made without a build, each rolled out like a deploy and answered with its trace id:
/// rollback to an earlier release, config vars set or unset, a new formation (scale).
struct ChangeController: Sendable {
    let store: SlipwayStore
    let workers: DeployWorkers
    var queueLimit: DeployQueueLimit?

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/apps/:app/rollback") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let body = try await JSONResponse.decode(RollbackRequest.self, from: request, allowEmpty: true)
            let target = try rollbackTarget(app: app, requested: body?.to)
            return try enqueue(app, ReleaseChange(rollbackTo: target.version), source: target.source, request: request)
        }
        router.get("/v1/apps/:app/config") { _, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let release = try current(app)
            return try JSONResponse.make(ConfigView(app: app.value, release: release.version, config: release.config ?? [:],
                                                    secretKeys: release.secretKeys ?? []))
        }
        router.patch("/v1/apps/:app/config") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let body = try await JSONResponse.decode(ConfigChangeRequest.self, from: request)
            try ReleaseChange.validateConfig(set: body.set ?? [:], unset: body.unset ?? [])
            if let stray = body.secret?.first(where: { body.set?[$0] == nil }) {
                throw SlipwayError.invalidRequest("`secret` names \(stray), which `set` does not set; list only keys you set")
            }
            let release = try current(app)
            let change = ReleaseChange(setConfig: body.set, unsetConfig: body.unset, secretKeys: body.secret)
            return try enqueue(app, change, source: release.source, request: request)
        }
        router.get("/v1/apps/:app/files") { _, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let release = try current(app)
            return try JSONResponse.make(ConfigFilesView(app: app.value, release: release.version, files: release.files ?? [:]))
        }
        router.put("/v1/apps/:app/files") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            // Base64 in JSON: 1 MiB of files is about 1.4 MB of body.
            let body = try await JSONResponse.decode(ConfigFilesRequest.self, from: request, limit: ConfigFiles.maxTotalBytes * 3 / 2 + (1 << 16))
            try ConfigFiles.validate(mount: body.mount, files: body.files)
            let release = try current(app)
            return try enqueue(app, ReleaseChange(setFiles: [body.mount: body.files]), source: release.source, request: request)
        }
        router.delete("/v1/apps/:app/files") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            guard let mount = request.uri.queryParameters.get("mount") else {
                throw SlipwayError.invalidRequest("say which config files to remove with ?mount=PATH")
            }
            let release = try current(app)
            guard release.files?[mount] != nil else {
                throw SlipwayError.notFound("\(app) has no config files at \(mount) (it has: \((release.files ?? [:]).keys.sorted().joined(separator: ", ")))")
            }
            return try enqueue(app, ReleaseChange(removeFiles: [mount]), source: release.source, request: request)
        }
        router.post("/v1/apps/:app/scale") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let formation = try await JSONResponse.decode([String: Int].self, from: request)
            let release = try current(app)
            guard !formation.isEmpty else { throw SlipwayError.invalidRequest("give a replica count per service, e.g. {\"web\": 3}") }
            for (service, count) in formation {
                guard release.services.contains(where: { $0.name == service }) else {
                    throw SlipwayError.invalidRequest("\(app) has no service \(service) (it has: \(release.services.map(\.name).joined(separator: ", ")))")
                }
                guard (0...ManifestParser.maxReplicas).contains(count) else {
                    throw SlipwayError.invalidRequest("replicas of \(service) must be between 0 and \(ManifestParser.maxReplicas)")
                }
            }
            return try enqueue(app, ReleaseChange(scale: formation), source: release.source, request: request)
        }
    }

    private func enqueue(_ app: AppName, _ change: ReleaseChange, source: SourceInfo, request: Request) throws -> Response {
        try queueLimit?.check(app)
        let traceId = UUID().uuidString.lowercased()
        try store.enqueueDeploy(traceId: traceId, app: app, source: source, uploadPath: nil, change: change,
                                requestedBy: DeployController.requester(request))
        workers.wake()
        return try JSONResponse.make(TraceResponse(traceId: traceId), status: .accepted)
    }

    private func current(_ app: AppName) throws -> Release {
        guard let release = try store.currentRelease(of: app) else {
            throw SlipwayError.notFound("no app named \(app); `slipway apps` lists them, `slipway deploy` creates one")
        }
        return release
    }

    /// The release a rollback goes to: the one asked for, else the one before the current release.
    func rollbackTarget(app: AppName, requested: Int?) throws -> Release {
        let current = try current(app).version
        let releases = try store.releases(of: app)
        if let requested {
            guard let release = releases.first(where: { $0.version == requested }) else {
                throw SlipwayError.notFound("\(app) has no release v\(requested); `slipway releases \(app)` lists them")
            }
            guard requested != current else { throw SlipwayError.conflict("v\(requested) is already the current release of \(app)") }
            return release
        }
        guard let previous = releases.first(where: { $0.version < current }) else {
            throw SlipwayError.conflict("\(app) has no release before v\(current) to roll back to")
        }
        return previous
    }
}
