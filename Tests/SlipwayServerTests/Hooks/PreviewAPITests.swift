import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayRouter
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport
import Synchronization
import Testing

/// Preview apps in process: pull request webhooks (as GitHub, GitLab, Gitea and Bitbucket send
/// them) make, update and destroy `APP-pr-N`, routed at `pr-N.APP.DOMAIN`; TTL expiry on a clock
/// the test moves.
@Suite("Preview apps")
struct PreviewAPITests {
    final class TestClock: Sendable {
        let now = Mutex(Date())
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static func withPreviews(clock: TestClock = TestClock(), max: Int = 10,
                             _ test: @Sendable @escaping (InProcessServer, LocalRepository, String) async throws -> Void,
                             forge: Forge = .github) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-previews-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let repository = try await LocalRepository(under: root)
        try await InProcessServer.with(configure: {
            $0.allowedSourceDirectories = [root.path]
            $0.hooks.clock = { clock.now.withLock { $0 } }
            $0.hooks.reapInterval = .milliseconds(50)
        }) { server in
            let secret = try await server.connect("shop", repo: repository.url, forge: forge)
            let enabled = try await server.request(.put, "/v1/apps/shop/previews", body: #"{"ttl": "7d", "max": \#(max)}"#)
            try #require(enabled.status == 200, "\(enabled.body)")
            try await test(server, repository, secret)
        }
    }

    @Test("open -> the preview app runs the head commit at pr-N.APP.DOMAIN with the parent's config; update -> a new release; close -> gone",
          arguments: Forge.allCases)
    func lifecycle(forge: Forge) async throws {
        try await Self.withPreviews({ server, repository, secret in
            // The parent runs, with a config var the preview starts from.
            let first = try await server.deliver(.push(forge, branch: "main", commit: try await repository.git("rev-parse", "HEAD")
                .trimmingCharacters(in: .whitespacesAndNewlines), repo: repository.url, secret: secret), to: "shop")
            _ = try await server.waitForGitDeploy(try #require(try first.decode(WebhookAnswer.self).traceId))
            _ = try await server.change(.patch, "/v1/apps/shop/config", body: #"{"set": {"GREETING": "hi"}}"#)

            try await repository.git("checkout", "--quiet", "-b", "feature")
            let head = try await repository.commit(["page": "pr"])
            let opened = try await server.deliver(.pullRequest(forge, number: 7, action: .opened, commit: head, branch: "feature", secret: secret), to: "shop")
            #expect(opened.status == 202, "\(opened.body)")
            let answer = try opened.decode(WebhookAnswer.self)
            #expect(answer.app == "shop-pr-7")
            let deploy = try await server.waitForGitDeploy(try #require(answer.traceId))
            #expect(deploy.status == .completed, "\(deploy)")
            #expect(deploy.source.commit == head)
            switch server.routeTable.resolve(host: "pr-7.shop.localhost") {
            case .service(let app, _, _), .noBackends(let app, _): #expect(app == "shop-pr-7")
            case let other: Issue.record("pr-7.shop.localhost resolves to \(other)")
            }
            let config = try await server.get("/v1/apps/shop-pr-7/config").decode(ConfigView.self)
            #expect(config.config["GREETING"] == "hi")
            var list = try await server.get("/v1/apps/shop/previews").decode(PreviewList.self)
            #expect(list.previews.map(\.number) == [7])
            #expect(list.previews.first?.url == "http://pr-7.shop.localhost:7080/")
            #expect(list.previews.first?.commit == head || forge == .bitbucket)

            let next = try await repository.commit(["page": "pr v2"])
            let updated = try await server.deliver(.pullRequest(forge, number: 7, action: .updated, commit: next, branch: "feature", secret: secret), to: "shop")
            let second = try await server.waitForGitDeploy(try #require(try updated.decode(WebhookAnswer.self).traceId))
            #expect(second.status == .completed && second.source.commit == next, "\(second)")
            let releases = try await server.get("/v1/apps/shop-pr-7/releases").decode(ReleaseList.self)
            #expect(releases.releases.count == 2)

            let closed = try await server.deliver(.pullRequest(forge, number: 7, action: .closed, commit: next, branch: "feature", secret: secret), to: "shop")
            #expect(closed.status == 202)
            #expect(try closed.decode(WebhookAnswer.self).destroyed == "shop-pr-7", "\(closed.body)")
            #expect(try await server.get("/v1/apps/shop-pr-7").status == 404)
            #expect(server.routeTable.resolve(host: "pr-7.shop.localhost") == .unknownHost)
            list = try await server.get("/v1/apps/shop/previews").decode(PreviewList.self)
            #expect(list.previews.isEmpty)
            #expect(try await server.get("/v1/apps/shop").status == 200)  // the parent stays
        }, forge: forge)
    }

    @Test("a preview with no new commits for its TTL is destroyed; one updated in time stays")
    func ttlExpiry() async throws {
        let clock = TestClock()
        try await Self.withPreviews(clock: clock) { server, repository, secret in
            let main = try await repository.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
            let pushed = try await server.deliver(.push(.github, branch: "main", commit: main, repo: repository.url, secret: secret), to: "shop")
            _ = try await server.waitForGitDeploy(try #require(try pushed.decode(WebhookAnswer.self).traceId))
            try await repository.git("checkout", "--quiet", "-b", "feature")
            let head = try await repository.commit(["page": "pr"])
            for number in [1, 2] {
                let opened = try await server.deliver(.pullRequest(.github, number: number, action: .opened, commit: head, branch: "feature", secret: secret), to: "shop")
                _ = try await server.waitForGitDeploy(try #require(try opened.decode(WebhookAnswer.self).traceId))
            }
            clock.advance(6 * 86400)
            let next = try await repository.commit(["page": "pr 2"])
            let updated = try await server.deliver(.pullRequest(.github, number: 2, action: .updated, commit: next, branch: "feature", secret: secret), to: "shop")
            _ = try await server.waitForGitDeploy(try #require(try updated.decode(WebhookAnswer.self).traceId))
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await server.get("/v1/apps/shop-pr-1").status == 200)  // 6 days: not yet
            clock.advance(1 * 86400 + 60)
            try await server.eventually("shop-pr-1 destroyed after 7 days idle") { try await server.get("/v1/apps/shop-pr-1").status == 404 }
            #expect(try await server.get("/v1/apps/shop-pr-2").status == 200)
            let events = try await server.get("/v1/apps/shop/events").decode(EventList.self)
            #expect(events.events.contains { $0.kind == .previewDestroyed && $0.message.contains("shop-pr-1") && $0.message.contains("7d") })
        }
    }

    @Test("--max is enforced with a clear message; nothing is queued for the refused one")
    func maxEnforced() async throws {
        try await Self.withPreviews(max: 1) { server, repository, secret in
            try await repository.git("checkout", "--quiet", "-b", "feature")
            let head = try await repository.commit(["page": "pr"])
            let first = try await server.deliver(.pullRequest(.github, number: 1, action: .opened, commit: head, branch: "feature", secret: secret), to: "shop")
            #expect(first.status == 202)
            let second = try await server.deliver(.pullRequest(.github, number: 2, action: .opened, commit: head, branch: "feature", secret: secret), to: "shop")
            #expect(second.status == 409 && second.errorCode == "too_many_previews", "\(second.body)")
            #expect((second.errorMessage ?? "").contains("already has 1 previews (#1)"))
            #expect((second.errorMessage ?? "").contains("--max"))
            #expect(try server.deployCount("shop-pr-2") == 0)
            // An update of the one running still deploys.
            let next = try await repository.commit(["page": "pr 2"])
            let updated = try await server.deliver(.pullRequest(.github, number: 1, action: .updated, commit: next, branch: "feature", secret: secret), to: "shop")
            #expect(updated.status == 202, "\(updated.body)")
        }
    }

    @Test("previews disable destroys the running previews; bad settings are refused with the reason")
    func disableAndBadSettings() async throws {
        try await Self.withPreviews { server, repository, secret in
            try await repository.git("checkout", "--quiet", "-b", "feature")
            let head = try await repository.commit(["page": "pr"])
            let opened = try await server.deliver(.pullRequest(.github, number: 3, action: .opened, commit: head, branch: "feature", secret: secret), to: "shop")
            _ = try await server.waitForGitDeploy(try #require(try opened.decode(WebhookAnswer.self).traceId))
            for body in [#"{"ttl": "0d"}"#, #"{"ttl": "forever"}"#, #"{"max": 0}"#, #"{"max": 1000}"#] {
                let answer = try await server.request(.put, "/v1/apps/shop/previews", body: body)
                #expect(answer.status == 400, "\(body): \(answer.body)")
            }
            let disabled = try await server.request(.delete, "/v1/apps/shop/previews")
            #expect(disabled.status == 200)
            #expect(try disabled.decode(PreviewList.self).enabled == false)
            #expect(try await server.get("/v1/apps/shop-pr-3").status == 404)
            let notConnected = try await server.request(.put, "/v1/apps/blog/previews", body: "{}")
            #expect(notConnected.status == 400 && (notConnected.errorMessage ?? "").contains("git connect"))
        }
    }
}
