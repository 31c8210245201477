import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `GET`/`PUT /v1/apps/{app}/git`: an app's git remote and its deploy branch (`slipway git remote`,
/// `slipway git set`). Setting the branch also lets a new app's first push create it.
struct GitRemoteController: Sendable {
    let store: SlipwayStore
    let secure: Bool

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/git") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let settings = try store.gitRemote(of: app)
            if settings == nil, try store.app(app) == nil {
                throw SlipwayError.notFound("no app named \(app): deploy it once, or set it up for pushes with `slipway git set \(app) --branch main`")
            }
            return try JSONResponse.make(view(request, app: app, branch: settings?.branch ?? SlipwayStore.defaultDeployBranch))
        }
        router.put("/v1/apps/:app/git") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let settings = try await JSONResponse.decode(GitRemoteSettings.self, from: request)
            try GitBranch.validate(settings.branch)
            let record = try store.setGitRemote(app, branch: settings.branch)
            return try JSONResponse.make(view(request, app: app, branch: record.branch))
        }
    }

    func view(_ request: Request, app: AppName, branch: String) -> GitRemoteView {
        GitRemoteView(app: app.value, remote: "\(secure ? "https" : "http")://\(request.head.authority ?? "localhost")/git/\(app.value).git",
                      branch: branch)
    }
}
