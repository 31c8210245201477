import Crypto
import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// `slipway git connect` / `git key`: the repository a forge's webhook deploys from, the webhook's
/// secret (made here, shown once, sealed at rest), and for private repositories over SSH a deploy
/// key (its private half sealed too) and the forge's pinned host key.
struct GitConnectionController: Sendable {
    let store: SlipwayStore
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/git/connection") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            return try JSONResponse.make(try view(try connection(app), request: request))
        }
        router.put("/v1/apps/:app/git/connection") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            if try store.preview(app) != nil {
                throw SlipwayError.invalidRequest("\(app) is a preview app; connect its parent instead")
            }
            let body = try await JSONResponse.decode(GitConnectRequest.self, from: request)
            let source = try GitSourceRequest(body.repo, configuration: configuration)
            guard case .git = source.location else {
                throw SlipwayError.invalidRequest("--repo must be a git URL the server clones (https://, ssh:// or git@host:path), not a folder")
            }
            // Given: the app's deploy branch from now on (pushes too); not given: the one it has.
            if let branch = body.branch { try GitBranch.validate(branch) }
            let forge = try body.forge.map(Forge.init(validating:)) ?? Self.guessForge(body.repo)
            let secret = Self.newSecret()
            try store.connectGit(app: app, repo: source.shownURL, branch: body.branch, forge: forge, webhookSecret: secret,
                                 credentials: source.credentials.map { ($0.username, $0.password) })
            var shown = try view(try connection(app), request: request)
            shown.secret = secret
            return try JSONResponse.make(shown, status: .created)
        }
        router.delete("/v1/apps/:app/git/connection") { _, context in
            let app = try DNSLabel(context.parameters.require("app"))
            guard try store.disconnectGit(app) else { throw Self.notConnected(app) }
            return try JSONResponse.make(["app": app.value, "disconnected": "true"])
        }
        router.post("/v1/apps/:app/git/key") { request, context in
            let app = try DNSLabel(context.parameters.require("app"))
            let existing = try connection(app)
            let body = try await JSONResponse.decode(DeployKeyRequest.self, from: request, allowEmpty: true) ?? DeployKeyRequest()
            let knownHosts = try body.knownHost.map { try KnownHost.lines($0, repo: existing.repo) }
            let key = existing.deployKey == nil || body.rotate == true ? DeployKey.generate(comment: "slipway-\(app)") : nil
            guard try store.setDeployKey(app: app, privateKey: key?.privateKey, publicKey: key?.publicKey, knownHosts: knownHosts) else {
                throw Self.notConnected(app)
            }
            return try JSONResponse.make(try view(try connection(app), request: request), status: key == nil ? .ok : .created)
        }
    }

    private func connection(_ app: AppName) throws -> GitConnection {
        guard let connection = try store.gitConnection(app) else { throw Self.notConnected(app) }
        return connection
    }

    static func notConnected(_ app: AppName) -> SlipwayError {
        .notFound("\(app) is not connected to a repository; `slipway git connect \(app) --repo URL` does it")
    }

    /// The webhook URL at the server's public address (`--public-url`), else as the caller reached
    /// the API (the forge must reach it the same way); the branch is the app's deploy branch.
    func view(_ connection: GitConnection, request: Request) throws -> GitConnectionView {
        let branch = try store.deployBranch(of: connection.app)?.branch ?? SlipwayStore.defaultDeployBranch
        return GitConnectionView(app: connection.app.value, repo: connection.repo, branch: branch, forge: connection.forge.rawValue,
                                 webhookURL: PublicAddress(configuration).url("/hooks/\(connection.app.value)", request: request),
                                 deployKey: connection.deployKey?.publicKey,
                                 knownHosts: connection.knownHosts.isEmpty ? nil : connection.knownHosts, createdAt: connection.createdAt)
    }

    /// 32 random bytes as hex: what a forge's secret field takes.
    static func newSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// The forge a repository URL's host names; GitHub otherwise (Gitea and Forgejo send GitHub's headers too).
    static func guessForge(_ repo: String) -> Forge {
        let lower = repo.lowercased()
        if lower.contains("gitlab") { return .gitlab }
        if lower.contains("bitbucket.org") { return .bitbucket }
        if lower.contains("gitea") || lower.contains("forgejo") || lower.contains("codeberg.org") { return .gitea }
        return .github
    }
}
