import SlipwayCore
import Foundation

extension APIRequest {
    public static func gitRemote(app: AppName) -> APIRequest {
        APIRequest(method: .get, path: "/v1/apps/\(segment(app.value))/git")
    }

    public static func setGitRemote(app: AppName, branch: String) throws -> APIRequest {
        APIRequest(method: .put, path: "/v1/apps/\(segment(app.value))/git",
                   body: .json(try JSONEncoder().encode(GitRemoteSettings(branch: branch))))
    }
}

extension SlipwayClient {
    /// The app's git remote URL (`git push` there deploys) and its deploy branch.
    public func gitRemote(app: AppName) async throws -> GitRemoteView {
        try await json(.gitRemote(app: app), as: GitRemoteView.self)
    }

    /// Sets the branch a push deploys; a new app can then be created by its first push.
    public func setGitRemote(app: AppName, branch: String) async throws -> GitRemoteView {
        try await json(try .setGitRemote(app: app, branch: branch), as: GitRemoteView.self)
    }
}
