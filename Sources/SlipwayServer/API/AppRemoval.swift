import Foundation
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// Destroys an app: its replicas (and volumes when asked), its record and everything stored with it
/// (deploy branch, git connection with its webhook secret, deliveries and deploy key, previews
/// settings), its previews, the repository pushes went to, images no other release uses, its
/// stored output, its hosts and the certificates obtained for them. An app made again under the
/// same name starts clean.
/// `slipway destroy` and closed or expired previews go through here.
struct AppRemoval: Sendable {
    let store: SlipwayStore
    let engine: any Engine
    let appLogs: AppLogStore
    let edge: AppEdge
    /// The server's git repositories (nil when pushes are off).
    var repositories: GitRepositories?

    func destroy(_ app: AppName, removingVolumes: Bool) async throws -> DestroyedVolumes {
        // Its previews first: they are its pull requests, and nothing would remove them later.
        for preview in try store.previews(of: app) where preview.app != app {
            try store.forgetPreview(preview.app)
            if try store.app(preview.app) != nil {
                _ = try await destroy(preview.app, removingVolumes: true)
            } else {
                await edge.forget(preview.app)
            }
        }
        let certificateHosts = try edge.certificateHosts(of: app)
        let images = Set(try store.releases(of: app).flatMap { $0.services.map(\.image) })
        let builds = try store.deployTraceIds(of: app)
        let volumes = try await engine.destroy(app: app, removingVolumes: removingVolumes)
        try store.deleteApp(app)
        // Its images go too (with every tag its deploys made), unless another app's release uses the same build.
        await engine.discardImages(Array(images.subtracting(try store.releaseImages())), builtBy: builds)
        await appLogs.remove(app: app.value)
        await edge.forget(app)
        edge.retireCertificates(of: certificateHosts)
        try removeRepository(of: app)
        return volumes
    }

    /// The bare repository pushes went to: a new app of the same name must not find the old
    /// one's branches (nor serve them to a fetch).
    private func removeRepository(of app: AppName) throws {
        guard let repository = repositories?.repository(app), FileManager.default.fileExists(atPath: repository.path) else { return }
        do { try FileManager.default.removeItem(at: repository) } catch {
            throw SlipwayError.internal("\(app) is destroyed but its git repository \(repository.path) could not be removed: \(error.localizedDescription)")
        }
    }
}
