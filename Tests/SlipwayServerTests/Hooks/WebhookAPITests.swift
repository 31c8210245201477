import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport
import Testing

/// `POST /hooks/{app}` in process: deliveries built as each forge documents them, signed, sent without
/// an API token; the good ones deploy the pushed commit (cloned for real from a git repository),
/// every forged, replayed or tampered one is refused and queues nothing.
@Suite("Webhooks from forges")
struct WebhookAPITests {
    static func withRepository(_ test: @Sendable @escaping (InProcessServer, LocalRepository) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-hooks-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let repository = try await LocalRepository(under: root)
        try await InProcessServer.with(configure: { $0.allowedSourceDirectories = [root.path] }) { server in
            try await test(server, repository)
        }
    }

    @Test("a push to the branch, signed as each forge signs it, deploys that commit", arguments: Forge.allCases)
    func pushDeploys(forge: Forge) async throws {
        try await Self.withRepository { server, repository in
            let secret = try await server.connect("shop", repo: repository.url, forge: forge)
            let commit = try await repository.commit(["page": "v2"])
            let answer = try await server.deliver(.push(forge, branch: "main", commit: commit, repo: repository.url, secret: secret), to: "shop")
            #expect(answer.status == 202, "\(answer.body)")
            let trace = try #require(try answer.decode(WebhookAnswer.self).traceId)
            let deploy = try await server.waitForGitDeploy(trace)
            #expect(deploy.status == .completed, "\(deploy)")
            #expect(deploy.source.commit == commit)
            #expect(deploy.source.url == repository.url)
        }
    }

    @Test("forged, tampered and replayed deliveries are refused and queue nothing", arguments: Forge.allCases)
    func refusals(forge: Forge) async throws {
        try await Self.withRepository { server, repository in
            let secret = try await server.connect("shop", repo: repository.url, forge: forge)
            let commit = try await repository.commit(["page": "v2"])
            let good = ForgeDelivery.push(forge, branch: "main", commit: commit, repo: repository.url, secret: secret)
            let header = ForgeDelivery.signatureHeader(forge)

            // Signed with another secret.
            let wrong = ForgeDelivery.push(forge, branch: "main", commit: commit, repo: repository.url, secret: "not-the-secret")
            var answer = try await server.deliver(wrong, to: "shop")
            #expect(answer.status == 401 && answer.errorCode == "signature_mismatch", "\(answer.status) \(answer.body)")
            // No signature at all.
            answer = try await server.deliver(good.with(header, nil), to: "shop")
            #expect(answer.status == 401 && answer.errorCode == "signature_missing", "\(answer.status) \(answer.body)")
            // A garbled one.
            answer = try await server.deliver(good.with(header, forge == .gitea ? "zz" : "sha256=zz"), to: "shop")
            #expect(answer.status == 401, "\(answer.body)")
            // The body changed after signing (another commit put in).
            if forge != .gitlab {  // GitLab's token signs no body: a changed body is not detectable there
                var tampered = good
                tampered.body = Data(String(decoding: good.body, as: UTF8.self).replacingOccurrences(of: commit, with: String(repeating: "a", count: 40)).utf8)
                answer = try await server.deliver(tampered, to: "shop")
                #expect(answer.status == 401 && answer.errorCode == "signature_mismatch", "\(answer.status) \(answer.body)")
            }
            #expect(try server.deployCount("shop") == 0)

            // The good one deploys, once; the same delivery again, or its body under a new id, is a replay.
            answer = try await server.deliver(good, to: "shop")
            #expect(answer.status == 202 && (try? answer.decode(WebhookAnswer.self).traceId) != nil, "\(answer.body)")
            answer = try await server.deliver(good, to: "shop")
            #expect(answer.status == 202)
            #expect(try answer.decode(WebhookAnswer.self).ignored?.contains("replay") == true, "\(answer.body)")
            let deliveryHeader = good.headers.first { ["x-github-delivery", "x-gitlab-event-uuid", "x-gitea-delivery", "x-request-uuid"].contains($0.0.lowercased()) }!.0
            answer = try await server.deliver(good.with(deliveryHeader, UUID().uuidString), to: "shop")
            #expect(answer.status == 202)
            #expect(try answer.decode(WebhookAnswer.self).ignored?.contains("replay") == true, "\(answer.body)")
            #expect(try server.deployCount("shop") == 1)
        }
    }

    @Test("other branches, tags, deleted branches and other events answer 202 with why, and deploy nothing")
    func ignored() async throws {
        try await Self.withRepository { server, repository in
            let secret = try await server.connect("shop", repo: repository.url, forge: .github)
            let commit = try await repository.commit(["page": "v2"])
            let cases: [(ForgeDelivery, String)] = [
                (.push(.github, branch: "feature", commit: commit, repo: repository.url, secret: secret), "not to main"),
                (.signed(.github, event: "push", payload: ["ref": "refs/tags/v1", "after": commit], secret: secret, deliveryId: "t1"), "not to a branch"),
                (.signed(.github, event: "push", payload: ["ref": "refs/heads/main", "after": String(repeating: "0", count: 40), "deleted": true],
                         secret: secret, deliveryId: "t2"), "deleted"),
                (.signed(.github, event: "issues", payload: ["action": "opened"], secret: secret, deliveryId: "t3"), "do not deploy"),
                (.signed(.github, event: "ping", payload: ["zen": "hi"], secret: secret, deliveryId: "t4"), "ping"),
                (.pullRequest(.github, number: 4, action: .opened, commit: commit, branch: "feature", secret: secret), "previews are off"),
            ]
            for (delivery, why) in cases {
                let answer = try await server.deliver(delivery, to: "shop")
                #expect(answer.status == 202, "\(answer.body)")
                #expect((try answer.decode(WebhookAnswer.self).ignored ?? "").contains(why), "\(answer.body)")
            }
            #expect(try server.deployCount("shop") == 0)
        }
    }

    @Test("hostile bodies: too large, not JSON, nested deep, wrong types, a commit that is not one: refused, nothing queued")
    func hostileBodies() async throws {
        try await Self.withRepository { server, repository in
            let secret = try await server.connect("shop", repo: repository.url, forge: .github)
            let bodies: [(Data, Int)] = [
                (Data(repeating: UInt8(ascii: " "), count: 6 * 1_048_576), 413),
                (Data("{\"ref\": ".utf8), 400),
                (Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8), 400),
                (Data(#"{"ref": 5, "after": []}"#.utf8), 400),
                (Data(#"{"ref": "refs/heads/main", "after": "$(touch /tmp/x)"}"#.utf8), 400),
                (Data(#"{"ref": "refs/heads/main", "after": "HEAD~1"}"#.utf8), 400),
                (Data(#"{"action": "opened", "number": -1, "pull_request": {"head": {"sha": "x"}}}"#.utf8), 400),
            ]
            for (index, (body, status)) in bodies.enumerated() {
                let event = index == bodies.count - 1 ? "pull_request" : "push"
                let answer = try await server.deliver(.signed(.github, event: event, body: body, secret: secret, deliveryId: "h\(index)"), to: "shop")
                #expect(answer.status == status, "body \(index): \(answer.status) \(answer.body.prefix(300))")
                #expect(answer.errorCode != nil)
            }
            #expect(try server.deployCount("shop") == 0)
            // A form-encoded delivery (GitHub's other content type) says what to change.
            let form = ForgeDelivery.signed(.github, event: "push", body: Data("payload=%7B%7D".utf8), secret: secret, deliveryId: "f1")
                .with("Content-Type", "application/x-www-form-urlencoded")
            let answer = try await server.deliver(form, to: "shop")
            #expect(answer.status == 415 && (answer.errorMessage ?? "").contains("application/json"), "\(answer.body)")
        }
    }

    @Test("connecting needs the API token and shows the secret once; an unknown app's hook is 404; the secret is sealed at rest")
    func connection() async throws {
        try await Self.withRepository { server, repository in
            let secret = try await server.connect("shop", repo: "https://ci:tok3n-value@git.example.com/team/shop.git", forge: .gitlab)
            #expect(secret.count == 64)
            let shown = try await server.get("/v1/apps/shop/git/connection")
            #expect(shown.status == 200)
            let view = try shown.decode(GitConnectionView.self)
            #expect(view.secret == nil)
            #expect(view.repo == "https://***@git.example.com/team/shop.git")
            #expect(view.webhookURL.hasSuffix("/hooks/shop"))
            #expect(!shown.body.contains("tok3n-value") && !shown.body.contains(secret))
            let unknown = try await server.deliver(.push(.github, branch: "main", commit: String(repeating: "a", count: 40), repo: "", secret: "x"), to: "nosuchapp")
            #expect(unknown.status == 404)
            let badForge = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "\#(repository.url)", "forge": "sourcehut"}"#)
            #expect(badForge.status == 400 && (badForge.errorMessage ?? "").contains("github"))
            let badBranch = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "\#(repository.url)", "branch": "-x"}"#)
            #expect(badBranch.status == 400)
            let folder = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "/etc"}"#)
            #expect(folder.status == 403 || folder.status == 400)
        }
    }

    @Test("with an API token set, the hook needs none (its signature is the check) and connecting still needs it")
    func tokenNotNeededForHooks() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-hooks-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let repository = try await LocalRepository(under: root)
        try await InProcessServer.with(configure: { $0.allowedSourceDirectories = [root.path]; $0.token = String(repeating: "t", count: 40) }) { server in
            var anonymous = server
            anonymous.headers = [:]
            let refused = try await anonymous.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "\#(repository.url)"}"#)
            #expect(refused.status == 401)
            let secret = try await server.connect("shop", repo: repository.url, forge: .github)
            let commit = try await repository.commit(["page": "v2"])
            let answer = try await anonymous.deliver(.push(.github, branch: "main", commit: commit, repo: repository.url, secret: secret), to: "shop")
            #expect(answer.status == 202, "\(answer.body)")
            let wrong = try await anonymous.deliver(.push(.github, branch: "main", commit: commit, repo: repository.url, secret: "guess"), to: "shop")
            #expect(wrong.status == 401)
        }
    }

    @Test("the delivery ids remembered per app are bounded")
    func boundedDeliveries() async throws {
        let store = try SlipwayStore.inMemory()
        let app = try DNSLabel("shop")
        for index in 0..<30 {
            #expect(try store.recordDelivery(app: app, deliveryId: "d\(index)", bodyDigest: "b\(index)", keep: 10))
        }
        #expect(try store.deliveryCount(app: app) == 10)
        #expect(try store.recordDelivery(app: app, deliveryId: "d29", bodyDigest: "new", keep: 10) == false)
        #expect(try store.recordDelivery(app: app, deliveryId: "d0", bodyDigest: "b0", keep: 10))  // long forgotten
    }
}
