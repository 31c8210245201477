import Foundation
import NIOHTTP1
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Issue 17, webhooks and previews end to end: a real server on Podman, a private repository
    /// served by git's own smart-HTTP backend behind Basic auth, the app connected with the CLI,
    /// and deliveries signed as GitHub signs them sent to the server's /hooks/APP.
    @Suite("Webhooks and previews", .serialized)
    struct WebhookDeployTests {
        @Test("a signed push deploys the pushed commit of a private repository; a forged one deploys nothing; a pull request gets a preview at pr-N.APP.localhost until it is closed")
        func pushAndPreview() async throws {
            let token = "hook-tok3n-\(UUID().uuidString.prefix(6))"
            let app = "hook-\(UUID().uuidString.prefix(6).lowercased())"
            let work = try await GitRepository(files: GitRepository.helloFiles(page: "first", replicas: 1))
            defer { work.remove() }
            let served = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-hooked-\(UUID().uuidString.prefix(6))")
            defer { try? FileManager.default.removeItem(at: served) }
            let bare = served.appendingPathComponent("repo.git")
            try await run("/usr/bin/git", ["clone", "--quiet", "--bare", work.directory.path, bare.path])
            let gitServer = try await SmartHTTPGitServer(root: served, username: "deploy", password: token)
            defer { gitServer.stop() }

            try await TestServer.with { server in
                let repo = "http://deploy:\(token)@127.0.0.1:\(gitServer.port)/repo.git"
                let connected = try await runCLI(["git", "connect", app, "--repo", repo, "--forge", "github", "--json", "--server", server.baseURL])
                try #require(connected.status == 0, "\(connected.output)")
                let view = try Timestamp.decoder().decode(GitConnectionView.self, from: Data(connected.output.utf8))
                let secret = try #require(view.secret)
                #expect(view.webhookURL == "\(server.baseURL)/hooks/\(app)")
                #expect(!connected.output.contains(token), "the https token is shown: \(connected.output)")

                // A push: the commit goes to the served repository, the forge tells the server.
                try await work.commit(["www/index.html": "second"], message: "second")
                let commit = try await work.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
                try await work.git("push", "--quiet", bare.path, "main")
                let forged = ForgeDelivery.push(.github, branch: "main", commit: commit, repo: repo, secret: "guessed")
                let refused = try await deliver(forged, to: app, server: server)
                #expect(refused.status == 401, "\(refused.body)")
                #expect(try await server.get("/v1/apps/\(app)/deploys").status == 404, "a forged delivery queued a deploy")

                let answer = try await deliver(.push(.github, branch: "main", commit: commit, repo: repo, secret: secret), to: app, server: server)
                #expect(answer.status == 202, "\(answer.body)")
                let trace = try #require(try Timestamp.decoder().decode(WebhookAnswer.self, from: Data(answer.body.utf8)).traceId)
                let deployed = try await server.waitForDeploy(trace)
                #expect(deployed.status == .completed, "\(deployed.error ?? "")")
                #expect(deployed.source.commit == commit)
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "second")

                // A pull request: its preview serves its head at pr-5.APP.localhost; closing it removes it.
                let enabled = try await runCLI(["previews", "enable", app, "--ttl", "2d", "--max", "3", "--server", server.baseURL])
                try #require(enabled.status == 0, "\(enabled.output)")
                try await work.git("checkout", "--quiet", "-b", "feature")
                try await work.commit(["www/index.html": "preview"], message: "preview")
                let head = try await work.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
                try await work.git("push", "--quiet", bare.path, "feature")
                let opened = try await deliver(.pullRequest(.github, number: 5, action: .opened, commit: head, branch: "feature", secret: secret),
                                               to: app, server: server)
                let previewTrace = try #require(try Timestamp.decoder().decode(WebhookAnswer.self, from: Data(opened.body.utf8)).traceId, "\(opened.body)")
                let preview = try await server.waitForDeploy(previewTrace)
                #expect(preview.status == .completed && preview.app == "\(app)-pr-5", "\(preview.error ?? "")")
                #expect(try await server.viaRouter(host: "pr-5.\(app).localhost").body == "preview")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "second", "the parent changed")
                let listed = try await runCLI(["previews", app, "--server", server.baseURL])
                #expect(listed.output.contains("#5") && listed.output.contains("pr-5.\(app).localhost"), "\(listed.output)")

                let closed = try await deliver(.pullRequest(.github, number: 5, action: .closed, commit: head, branch: "feature", secret: secret),
                                               to: app, server: server)
                #expect(closed.status == 202 && closed.body.contains("\(app)-pr-5"), "\(closed.body)")
                #expect(try await server.containers(app: "\(app)-pr-5").isEmpty)
                #expect(try await server.viaRouter(host: "pr-5.\(app).localhost").status != 200)
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "second")
                _ = try await server.request(.DELETE, "/v1/apps/\(app)?volumes=true")
            }
        }

        func deliver(_ delivery: ForgeDelivery, to app: String, server: TestServer) async throws -> TestServer.Answer {
            var headers: [String: String] = ["Authorization": ""]
            for (name, value) in delivery.headers { headers[name] = value }
            return try await server.request(.POST, "/hooks/\(app)", body: delivery.body, headers: headers)
        }
    }
}
