import Foundation
import SlipwayCore

extension APIRequest {
    /// `PUT /v1/apps/{app}/git/connection`.
    public static func connectGit(app: AppName, _ request: GitConnectRequest) throws -> APIRequest {
        APIRequest(method: .put, path: "/v1/apps/\(segment(app.value))/git/connection", body: .json(try JSONEncoder().encode(request)))
    }

    public static func gitConnection(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/git/connection")
    }

    public static func disconnectGit(app: AppName) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))/git/connection")
    }

    /// `POST /v1/apps/{app}/git/key`.
    public static func deployKey(app: AppName, _ request: DeployKeyRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/apps/\(segment(app.value))/git/key", body: .json(try JSONEncoder().encode(request)))
    }

    public static func previews(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/previews")
    }

    /// `PUT /v1/apps/{app}/previews`.
    public static func enablePreviews(app: AppName, _ request: PreviewSettingsRequest) throws -> APIRequest {
        APIRequest(method: .put, path: "/v1/apps/\(segment(app.value))/previews", body: .json(try JSONEncoder().encode(request)))
    }

    public static func disablePreviews(app: AppName) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/apps/\(segment(app.value))/previews")
    }
}

extension SlipwayClient {
    /// Connects the app to a repository; the answer carries the webhook URL and its secret (shown this once).
    public func connectGit(app: AppName, repo: String, branch: String?, forge: String?) async throws -> GitConnectionView {
        try await json(try .connectGit(app: app, GitConnectRequest(repo: repo, branch: branch, forge: forge)), as: GitConnectionView.self)
    }

    public func gitConnection(app: AppName) async throws -> GitConnectionView {
        try await json(.gitConnection(app: app), as: GitConnectionView.self)
    }

    public func disconnectGit(app: AppName) async throws -> [String: String] {
        try await json(.disconnectGit(app: app), as: [String: String].self)
    }

    /// Makes the app's deploy key (once, or again with `rotate`) and pins the forge's host key.
    public func deployKey(app: AppName, knownHost: String?, rotate: Bool) async throws -> GitConnectionView {
        try await json(try .deployKey(app: app, DeployKeyRequest(knownHost: knownHost, rotate: rotate ? true : nil)), as: GitConnectionView.self)
    }

    public func previews(app: AppName) async throws -> PreviewList {
        try await json(.previews(app: app), as: PreviewList.self)
    }

    public func enablePreviews(app: AppName, ttl: String?, max: Int?) async throws -> PreviewList {
        try await json(try .enablePreviews(app: app, PreviewSettingsRequest(ttl: ttl, max: max)), as: PreviewList.self)
    }

    public func disablePreviews(app: AppName) async throws -> PreviewList {
        try await json(.disablePreviews(app: app), as: PreviewList.self)
    }
}
