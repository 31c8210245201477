import Foundation
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// Destroys an app: its replicas (and volumes when asked), its record, images no other release
/// uses, its stored output, its hosts. `slipway destroy` and closed or expired previews go through here.
struct AppRemoval: Sendable {
    let store: SlipwayStore
    let engine: any Engine
    let appLogs: AppLogStore
    let edge: AppEdge

    func destroy(_ app: AppName, removingVolumes: Bool) async throws -> DestroyedVolumes {
        let images = Set(try store.releases(of: app).flatMap { $0.services.map(\.image) })
        let volumes = try await engine.destroy(app: app, removingVolumes: removingVolumes)
        try store.deleteApp(app)
        // Its images go too, unless another app's release uses the same build.
        await engine.discardImages(Array(images.subtracting(try store.releaseImages())))
        await appLogs.remove(app: app.value)
        await edge.forget(app)
        return volumes
    }
}
