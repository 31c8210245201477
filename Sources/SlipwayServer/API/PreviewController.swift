import Foundation
import Hummingbird
import ServiceLifecycle
import SlipwayCore
import SlipwayStore

/// `slipway previews enable|disable|APP`: preview apps per pull/merge request (see `Previews`).
struct PreviewController: Sendable {
    let store: SlipwayStore
    let previews: Previews

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/previews") { _, context in
            let app = try DNSLabel(context.parameters.require("app"))
            return try JSONResponse.make(try previews.list(app))
        }
        router.put("/v1/apps/:app/previews") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            if let parent = try store.preview(app)?.parent {
                throw SlipwayError.invalidRequest("\(app) is itself a preview of \(parent); previews have no previews")
            }
            let body = try await JSONResponse.decode(PreviewSettingsRequest.self, from: request, allowEmpty: true) ?? PreviewSettingsRequest()
            let ttl = try body.ttl.map(PreviewSettingsRequest.seconds) ?? 7 * 86400
            let max = body.max ?? 10
            guard (1...PreviewSettingsRequest.maxPreviews).contains(max) else {
                throw SlipwayError.invalidRequest("max \(max) is out of range: allow between 1 and \(PreviewSettingsRequest.maxPreviews) previews at once")
            }
            guard try store.gitConnection(app) != nil else {
                throw SlipwayError.invalidRequest("\(app) is not connected to a repository, so no pull request can reach it: `slipway git connect \(app) --repo URL` first")
            }
            // Lowering --max below the previews running keeps them; new ones wait until there is room.
            try store.setPreviewSettings(app: app, PreviewSettings(ttlSeconds: ttl, max: max))
            return try JSONResponse.make(try previews.list(app))
        }
        router.delete("/v1/apps/:app/previews") { _, context in
            let app = try DNSLabel(context.parameters.require("app"))
            try store.setPreviewSettings(app: app, nil)
            for preview in try store.previews(of: app) {
                try await previews.destroy(preview.app, parent: app, why: "previews were turned off")
            }
            return try JSONResponse.make(try previews.list(app))
        }
    }
}

/// Destroys previews idle past their TTL, every `HookSettings.reapInterval`.
struct PreviewReaper: Service {
    let previews: Previews
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            await previews.reapExpired()
        }
    }
}
