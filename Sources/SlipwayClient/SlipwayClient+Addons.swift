import Foundation
import SlipwayCore

extension APIRequest {
    public static func addons(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/addons")
    }

    public static func createAddon(app: AppName, _ request: AddonRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/addons", body: .json(try JSONEncoder().encode(request)))
    }

    public static func addon(app: AppName, name: String) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/addons/\(segment(name))")
    }

    public static func destroyAddon(app: AppName, name: String, volumes: Bool) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))/addons/\(segment(name))" + (volumes ? "?volumes=true" : ""))
    }
}

extension SlipwayClient {
    /// The app's add-ons with their state, volume and size on disk.
    public func addons(app: AppName) async throws -> AddonList {
        try await json(.addons(app: app), as: AddonList.self)
    }

    /// Starts a Postgres or Redis beside the app (waiting until it accepts connections) and
    /// queues the release that gives the app its URL; follow `traceId` for the rollout.
    public func createAddon(app: AppName, _ request: AddonRequest) async throws -> AddonCreated {
        try await json(try .createAddon(app: app, request), as: AddonCreated.self, timeout: .seconds(180))
    }

    public func addon(app: AppName, name: String) async throws -> AddonView {
        try await json(.addon(app: app, name: name), as: AddonView.self)
    }

    public func destroyAddon(app: AppName, name: String, volumes: Bool) async throws -> AddonDestroyed {
        try await json(.destroyAddon(app: app, name: name, volumes: volumes), as: AddonDestroyed.self, timeout: .seconds(120))
    }
}
