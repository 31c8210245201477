import Foundation
import Hummingbird
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// Add-ons (`slipway addons`): a Postgres or Redis beside the app's replicas, with credentials
/// the server makes and hands to the app as secret config (DATABASE_URL, REDIS_URL, NAME_URL),
/// which rolls the app out like any config change.
struct AddonController: Sendable {
    let store: SlipwayStore
    let engine: any Engine
    let workers: DeployWorkers
    var queueLimit: DeployQueueLimit?
    let images: AddonImages

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/addons") { _, context in
            let app = try DNSLabel(context.parameters.require("app"))
            _ = try current(app)
            let statuses = try await engine.addonStatus(app: app)
            let views = try store.addons(of: app).map { Self.view($0, statuses[$0.name.value]) }
            return try JSONResponse.make(AddonList(app: app.value, addons: views))
        }
        router.post("/v1/apps/:app/addons") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let body = try await JSONResponse.decode(AddonRequest.self, from: request)
            let (kind, name, version) = try body.validated()
            let (addon, release) = try await start(app: app, kind: kind, name: name, version: version, explicitName: body.name != nil)
            let traceId = try publish(addon, release: release, request: request)
            let status = try await engine.addonStatus(app: app)[name.value]
            return try JSONResponse.make(AddonCreated(addon: Self.view(addon, status), traceId: traceId), status: .accepted)
        }
        router.get("/v1/apps/:app/addons/:name") { _, context in
            let (app, addon) = try existing(context)
            return try JSONResponse.make(Self.view(addon, try await engine.addonStatus(app: app)[addon.name.value]))
        }
        router.delete("/v1/apps/:app/addons/:name") { request, context in
            let (app, addon) = try existing(context)
            let removeVolume = try QueryFlag.value(request.uri.queryParameters.get("volumes"), name: "volumes")
            let release = try current(app)
            try queueLimit?.check(app)
            // Forgotten first, so the reconciler never starts it again while it goes.
            _ = try store.deleteAddon(app: app, name: addon.name)
            let volumes = try await engine.removeAddon(addon, removingVolume: removeVolume)
            let keys = addon.configKeys.filter { release.config?[$0] == addon.connectionURL() }
            let traceId = keys.isEmpty ? nil : try enqueue(app, ReleaseChange(unsetConfig: keys), source: release.source, request: request)
            return try JSONResponse.make(AddonDestroyed(app: app.value, name: addon.name.value, volumesRemoved: volumes.removed,
                                                        volumesKept: volumes.kept, traceId: traceId))
        }
    }

    /// Records and starts a new add-on (waiting until it accepts connections); on failure nothing
    /// stays behind: not the record, not the container, not its new (empty) volume. The app does
    /// not get its URL until `publish`.
    func start(app: AppName, kind: AddonKind, name: DNSLabel, version: String, explicitName: Bool) async throws -> (AddonSpec, Release) {
        let release = try current(app)
        try queueLimit?.check(app)
        let addon = try newAddon(app: app, kind: kind, name: name, version: version, explicitName: explicitName, release: release)
        guard try store.insertAddon(addon) else { throw Self.nameTaken(app, name) }
        do {
            try await engine.startAddon(addon)
        } catch {
            await discard(addon)
            throw error
        }
        return (addon, release)
    }

    /// Queues the release that gives the app the add-on's URL; returns its trace id.
    func publish(_ addon: AddonSpec, release: Release, request: Request) throws -> String {
        try enqueue(addon.app, ReleaseChange(setConfig: addon.config, secretKeys: addon.configKeys), source: release.source, request: request)
    }

    /// Forgets a started add-on that was never published, and removes it with its volume.
    func discard(_ addon: AddonSpec) async {
        _ = try? store.deleteAddon(app: addon.app, name: addon.name)
        _ = try? await engine.removeAddon(addon, removingVolume: true)
    }

    /// The add-on asked for, checked against what the app has: a name or a config key taken is a
    /// 409 naming it, before anything changes.
    private func newAddon(app: AppName, kind: AddonKind, name: DNSLabel, version: String, explicitName: Bool,
                          release: Release) throws -> AddonSpec {
        let existing = try store.addons(of: app)
        if existing.contains(where: { $0.name == name }) { throw Self.nameTaken(app, name) }
        let owned = Set(existing.flatMap(\.configKeys))
        var keys: [String] = []
        // The kind's key (DATABASE_URL) goes to the first add-on of that kind; a named one also
        // gets its own (DB_URL).
        if !owned.contains(kind.defaultConfigKey) { keys.append(kind.defaultConfigKey) }
        if explicitName, !keys.contains(AddonSpec.namedConfigKey(name)) { keys.append(AddonSpec.namedConfigKey(name)) }
        for key in keys where release.config?[key] != nil || owned.contains(key) {
            throw SlipwayError.conflict("\(app) already has \(key) set\(owned.contains(key) ? " by another add-on" : ""); `slipway config unset \(app) \(key)` first if the add-on should replace it, or choose another --name")
        }
        return AddonSpec(app: app, name: name, kind: kind, version: version, image: images.image(kind, version: version),
                         password: AddonSpec.makePassword(), volumeID: AddonSpec.makeVolumeID(), configKeys: keys, createdAt: Date())
    }

    private static func nameTaken(_ app: AppName, _ name: DNSLabel) -> SlipwayError {
        .conflict("\(app) already has an add-on named \(name); choose another with --name (`slipway addons \(app)` lists them)")
    }

    static func view(_ addon: AddonSpec, _ status: AddonStatus?) -> AddonView {
        AddonView(app: addon.app.value, name: addon.name.value, type: addon.kind.rawValue, version: addon.version, image: addon.image,
                  state: status?.state ?? "missing", volume: status?.volume, sizeBytes: status?.sizeBytes, configKeys: addon.configKeys,
                  connection: addon.connectionURL(redacted: true), createdAt: addon.createdAt)
    }

    private func existing(_ context: BasicRequestContext) throws -> (AppName, AddonSpec) {
        let app = try DNSLabel(context.parameters.require("app"))
        let name = try DNSLabel(context.parameters.require("name"), kind: "add-on name")
        _ = try current(app)
        guard let addon = try store.addon(app: app, name: name) else {
            let names = try store.addons(of: app).map(\.name.value)
            throw SlipwayError.notFound("\(app) has no add-on named \(name) (it has: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
        }
        return (app, addon)
    }

    private func enqueue(_ app: AppName, _ change: ReleaseChange, source: SourceInfo, request: Request) throws -> String {
        let traceId = UUID().uuidString.lowercased()
        try store.enqueueDeploy(traceId: traceId, app: app, source: source, uploadPath: nil, change: change,
                                requestedBy: DeployController.requester(request))
        workers.wake()
        return traceId
    }

    private func current(_ app: AppName) throws -> Release {
        guard let release = try store.currentRelease(of: app) else {
            throw SlipwayError.notFound("no app named \(app) with a release; `slipway apps` lists them, `slipway deploy` creates one")
        }
        return release
    }
}
