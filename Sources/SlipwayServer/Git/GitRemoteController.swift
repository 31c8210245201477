import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `GET`/`PUT /v1/apps/{app}/git`: an app's git remote, its deploy branch (the one setting that
/// says which branch deploys, by push or by webhook) and its forge connection if it has one
/// (`slipway git show`, `git remote`, `git set`). Setting the branch also lets a new app's first
/// push create it.
struct GitRemoteController: Sendable {
    let store: SlipwayStore
    let address: PublicAddress
    let connections: GitConnectionController

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/git") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let settings = try store.deployBranch(of: app)
            let connection = try store.gitConnection(app)
            if settings == nil, connection == nil, try store.app(app) == nil {
                throw SlipwayError.notFound("no app named \(app): deploy it once, or set it up for pushes with `slipway git set \(app) --branch main`")
            }
            var view = view(request, app: app, branch: settings?.branch ?? SlipwayStore.defaultDeployBranch)
            view.connection = try connection.map { try connections.view($0, request: request) }
            return try JSONResponse.make(view)
        }
        router.put("/v1/apps/:app/git") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let settings = try await JSONResponse.decode(GitRemoteSettings.self, from: request)
            try GitBranch.validate(settings.branch)
            if try store.preview(app) != nil {
                throw SlipwayError.invalidRequest("\(app) is a preview app: it deploys its pull request's head; set the branch of its parent instead")
            }
            let record = try store.setDeployBranch(app, branch: settings.branch)
            var view = view(request, app: app, branch: record.branch)
            view.connection = try store.gitConnection(app).map { try connections.view($0, request: request) }
            return try JSONResponse.make(view)
        }
    }

    func view(_ request: Request, app: AppName, branch: String) -> GitRemoteView {
        GitRemoteView(app: app.value, remote: address.url("/git/\(app.value).git", request: request), branch: branch)
    }
}
