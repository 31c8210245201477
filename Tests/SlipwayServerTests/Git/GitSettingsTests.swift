import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport
import Testing

/// The app's git settings in process: one deploy branch for pushes and webhooks (`git set`,
/// `git connect --branch`, shown by `git show`), everything git-related gone with `slipway destroy`,
/// and `--public-url` in the addresses the server prints.
@Suite("Git settings")
struct GitSettingsTests {
    @Test("git set and git connect --branch set one deploy branch: git show shows it, webhooks follow it, connect without --branch keeps it")
    func oneDeployBranch() async throws {
        try await WebhookAPITests.withRepository { server, repository in
            let secret = try await server.connect("shop", repo: repository.url, forge: .github, branch: "dev")
            var shown = try await server.get("/v1/apps/shop/git").decode(GitRemoteView.self)
            #expect(shown.branch == "dev")
            #expect(shown.connection?.branch == "dev" && shown.connection?.repo == repository.url)
            #expect(shown.connection?.secret == nil, "the secret is shown once, at connect")

            // The push setting is the same setting.
            let set = try await server.request(.put, "/v1/apps/shop/git", body: #"{"branch": "release"}"#)
            #expect(set.status == 200, "\(set.body)")
            #expect(try await server.get("/v1/apps/shop/git/connection").decode(GitConnectionView.self).branch == "release")
            let commit = try await repository.commit(["page": "v2"])
            let toDev = try await server.deliver(.push(.github, branch: "dev", commit: commit, repo: repository.url, secret: secret), to: "shop")
            #expect(toDev.status == 202)
            #expect(try toDev.decode(WebhookAnswer.self).ignored?.contains("not to release") == true, "\(toDev.body)")
            #expect(try server.deployCount("shop") == 0)

            // Reconnecting without --branch keeps it; a bad --branch is refused and changes nothing.
            let again = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "\#(repository.url)", "forge": "github"}"#)
            #expect(again.status == 201)
            #expect(try again.decode(GitConnectionView.self).branch == "release")
            for bad in ["-x", "a..b", "HEAD", "main;rm", "../x", String(repeating: "b", count: 201)] {
                let refused = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "\#(repository.url)", "branch": "\#(bad)"}"#)
                #expect(refused.status == 400, "\(bad): \(refused.body)")
                #expect(refused.body.contains("not a branch name"), "\(refused.body)")
            }
            shown = try await server.get("/v1/apps/shop/git").decode(GitRemoteView.self)
            #expect(shown.branch == "release")

            let newSecret = try #require(try again.decode(GitConnectionView.self).secret)
            let toRelease = try await server.deliver(.push(.github, branch: "release", commit: commit, repo: repository.url, secret: newSecret), to: "shop")
            let deploy = try await server.waitForGitDeploy(try #require(try toRelease.decode(WebhookAnswer.self).traceId))
            #expect(deploy.status == .completed, "\(deploy)")
        }
    }

    @Test("destroy removes the app's repository, deploy branch, webhook secret and deliveries, deploy key and previews; the same name starts clean")
    func destroyStartsClean() async throws {
        try await WebhookAPITests.withRepository { server, repository in
            let secret = try await server.connect("shop", repo: repository.url, forge: .github, branch: "trunk")
            #expect(try await server.request(.post, "/v1/apps/shop/git/key", body: "{}").status == 201)
            #expect(try await server.request(.put, "/v1/apps/shop/previews", body: #"{"ttl": "1d", "max": 3}"#).status == 200)
            let commit = try await repository.commit(["page": "v1"])
            let push = ForgeDelivery.push(.github, branch: "trunk", commit: commit, repo: repository.url, secret: secret)
            let answer = try await server.deliver(push, to: "shop")
            #expect(try await server.waitForGitDeploy(try #require(try answer.decode(WebhookAnswer.self).traceId)).status == .completed)
            let opened = try await server.deliver(.pullRequest(.github, number: 4, action: .opened, commit: commit, branch: "feature", secret: secret), to: "shop")
            #expect(try await server.waitForGitDeploy(try #require(try opened.decode(WebhookAnswer.self).traceId)).status == .completed)
            // What a push over HTTP or SSH would have left: the app's bare repository.
            let bare = server.configuration.dataDirectory.appendingPathComponent("git/repos/shop.git")
            _ = try await Tools.run("git", ["init", "--quiet", "--bare", bare.path])
            #expect(try server.store.deliveryCount(app: DNSLabel("shop")) == 2)

            let deploysBefore = try server.deployCount("shop")
            let destroyed = try await server.request(.delete, "/v1/apps/shop")
            #expect(destroyed.status == 200, "\(destroyed.body)")
            #expect(!FileManager.default.fileExists(atPath: bare.path), "the bare repository is gone")
            #expect(try await server.get("/v1/apps/shop/git").status == 404)
            #expect(try await server.get("/v1/apps/shop/git/connection").status == 404)
            #expect(try await server.get("/v1/apps/shop-pr-4").status == 404, "its preview is destroyed with it")
            #expect(try server.store.previews().isEmpty)
            #expect(try server.store.deliveryCount(app: DNSLabel("shop")) == 0)
            #expect(try server.store.previewSettings(of: DNSLabel("shop")) == nil)
            // The old webhook secret opens nothing now.
            let replayed = try await server.deliver(push, to: "shop")
            #expect(replayed.status == 404 || replayed.status == 401, "\(replayed.status) \(replayed.body)")
            #expect(try server.deployCount("shop") == deploysBefore, "the old secret queued nothing")

            // Made again under the same name: default branch, no connection, no key, previews off.
            _ = try await server.deploy("shop")
            let fresh = try await server.get("/v1/apps/shop/git").decode(GitRemoteView.self)
            #expect(fresh.branch == "main")
            #expect(fresh.connection == nil)
            let previews = try await server.get("/v1/apps/shop/previews").decode(PreviewList.self)
            #expect(!previews.enabled && previews.previews.isEmpty)
            let reconnected = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "\#(repository.url)"}"#)
            #expect(try reconnected.decode(GitConnectionView.self).deployKey == nil, "no deploy key carried over")
            #expect(try reconnected.decode(GitConnectionView.self).branch == "main")
        }
    }

    @Test("--public-url is what git remote and the webhook URL print, whatever Host the caller used")
    func publicURL() async throws {
        try await InProcessServer.with(configure: { $0.publicURL = "https://deploy.example.com/slipway" }) { server in
            let set = try await server.request(.put, "/v1/apps/shop/git", body: #"{"branch": "main"}"#)
            #expect(try set.decode(GitRemoteView.self).remote == "https://deploy.example.com/slipway/git/shop.git")
            let connected = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "https://git.example.com/team/shop.git"}"#)
            #expect(try connected.decode(GitConnectionView.self).webhookURL == "https://deploy.example.com/slipway/hooks/shop")
        }
        try await InProcessServer.with { server in
            let set = try await server.request(.put, "/v1/apps/shop/git", body: #"{"branch": "main"}"#)
            #expect(try set.decode(GitRemoteView.self).remote.hasSuffix("/git/shop.git"))
            #expect(!(try set.decode(GitRemoteView.self).remote.contains("example.com")))
        }
    }

    @Test("--public-url: hostile or malformed values are refused saying why", arguments: [
        ("ftp://deploy.example.com", "not an http"), ("deploy.example.com", "not an http"), ("https://", "no host"),
        ("https://user:pw@deploy.example.com", "user name or password"), ("https://deploy.example.com/?a=b", "query"),
        ("https://deploy.example.com/#x", "fragment"), ("https://deploy.example.com/a/../b", ".."), ("https://deploy .example.com", "spaces"),
        ("https://deploy.example.com\n/x", "control"), ("https://exa_mple.com", "not a DNS name"), ("https://deploy.example.com:99999", "port"),
        ("https://déploy.example.com", "non-ASCII"), ("javascript:alert(1)", "not an http"),
    ])
    func publicURLRefusals(input: String, says: String) {
        #expect(throws: SlipwayError.self) { try ServerConfiguration.checkedPublicURL(input) }
        do { _ = try ServerConfiguration.checkedPublicURL(input) } catch let error as SlipwayError {
            #expect(error.message.contains(says), "\(input): \(error.message)")
            #expect(error.message.contains("--public-url https://"), "says what to give")
        } catch { Issue.record("\(error)") }
    }

    @Test("--public-url: good values are kept, without a trailing slash")
    func publicURLAccepted() throws {
        #expect(try ServerConfiguration.checkedPublicURL("https://deploy.example.com/") == "https://deploy.example.com")
        #expect(try ServerConfiguration.checkedPublicURL("http://10.0.0.5:7070") == "http://10.0.0.5:7070")
        #expect(try ServerConfiguration.checkedPublicURL("https://example.com/slipway") == "https://example.com/slipway")
    }
}
