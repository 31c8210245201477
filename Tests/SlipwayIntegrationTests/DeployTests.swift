import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// From a git repository to a routed app, and redeploys, on the real engine.
    @Suite("Deploy", .serialized)
    struct DeployTests {
        @Test("first deploy: stages recorded, app answers through the router on every replica")
        func firstDeploy() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "first deploy"))
            defer { repo.remove() }
            try await TestServer.with { server in
                let view = try await server.deploy("hello", source: repo.url)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(view.stages.map(\.name) == ["fetch", "config", "build", "release", "run", "route"])
                for stage in view.stages {
                    #expect(stage.status == .completed)
                    let started = try #require(stage.startedAt)
                    let finished = try #require(stage.finishedAt)
                    #expect(finished >= started)
                }
                #expect(view.release == 1)
                #expect((view.totalSeconds ?? 0) > 0)
                #expect(view.source.commit?.count == 40)

                for _ in 0..<4 {
                    let answer = try await server.viaRouter(host: "hello.localhost")
                    #expect(answer.status == 200)
                    #expect(answer.body == "first deploy")
                }
                let app = try await server.client.app(try DNSLabel("hello"))
                #expect(app.url == "http://hello.localhost:\(server.routerPort)/")
                #expect(app.currentRelease == 1)
                #expect(app.services.first?.readyReplicas == 2)
                #expect(try await server.containers(app: "hello").count == 2)

                // The raw JSON keeps RFC 3339 timestamps and RAD's status spelling.
                let raw = try await server.get("/v1/deploys/\(view.traceId)")
                #expect(raw.body.contains("\"status\":\"COMPLETED\""))
                #expect(raw.body.range(of: #""startedAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z""#, options: .regularExpression) != nil)

                // The log holds the build output and ends with the deploy.
                let log = try await server.get("/v1/deploys/\(view.traceId)/log")
                #expect(log.body.contains("STEP 1/"))
                #expect(log.body.contains("Deploy completed"))
            }
        }

        @Test("redeploy: the new release serves without a failed request, old replicas are gone")
        func redeploy() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "version one"))
            defer { repo.remove() }
            try await TestServer.with { server in
                #expect(try await server.deploy("hello", source: repo.url).status == .completed)
                try await repo.commit(["www/index.html": "version two"], message: "v2")

                let trace = try await server.client.deploy(app: try DNSLabel("hello"), source: repo.url)
                // Keep requesting through the router while the rollout runs: every answer must be a 200.
                let (view, answers, failures) = try await server.followUnderLoad(trace.traceId, host: "hello.localhost")
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(failures.isEmpty, "requests failed during the redeploy: \(failures)")
                #expect(answers.allSatisfy { $0 == "version one" || $0 == "version two" })
                #expect(try await server.viaRouter(host: "hello.localhost").body == "version two")

                let containers = try await server.containers(app: "hello")
                #expect(containers.count == 2)
                #expect(containers.allSatisfy { $0.labels["app.kubernetes.io/version"] == "v2" })
                let releases = try await server.client.releases(app: try DNSLabel("hello")).releases
                #expect(releases.map(\.version) == [2, 1])
                #expect(releases.first?.current == true)
            }
        }

        @Test("a repository with two services routes SERVICE.APP.localhost to the second")
        func twoServices() async throws {
            let repo = try await GitRepository(files: [
                "web.Dockerfile": "FROM busybox\nCOPY web /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
                "api.Dockerfile": "FROM busybox\nCOPY api /www\nEXPOSE 9000\nCMD [\"httpd\", \"-f\", \"-p\", \"9000\", \"-h\", \"/www\"]\n",
                "web/index.html": "the web page",
                "api/index.html": "the api",
                "slipway.yaml": """
                services:
                  web:
                    dockerfile: web.Dockerfile
                    port: 8080
                  api:
                    dockerfile: api.Dockerfile
                    env:
                      GREETING: hi
                """,
            ])
            defer { repo.remove() }
            try await TestServer.with { server in
                let view = try await server.deploy("shop", source: repo.url)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "shop.localhost").body == "the web page")
                #expect(try await server.viaRouter(host: "api.shop.localhost").body == "the api")
                let app = try await server.client.app(try DNSLabel("shop"))
                #expect(Set(app.services.map(\.name)) == ["web", "api"])
                // The api service's port came from its Dockerfile's EXPOSE.
                #expect(app.services.first { $0.name == "api" }?.port == 9000)
                #expect(app.services.first { $0.name == "api" }?.url == "http://api.shop.localhost:\(server.routerPort)/")
            }
        }

        @Test("deploys of one app queued together run in order; the last one serves")
        func queuedInOrder() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "queued", replicas: 1))
            defer { repo.remove() }
            try await TestServer.with { server in
                let app = try DNSLabel("queue")
                let first = try await server.client.deploy(app: app, source: repo.url)
                let second = try await server.client.deploy(app: app, source: repo.url)
                let firstView = try await server.waitForDeploy(first.traceId)
                let secondView = try await server.waitForDeploy(second.traceId)
                #expect(firstView.release == 1)
                #expect(secondView.release == 2)
                let firstDone = try #require(firstView.finishedAt)
                let secondStarted = try #require(secondView.stages.first?.startedAt)
                #expect(secondStarted >= firstDone)
                #expect(try await server.client.app(app).currentRelease == 2)
            }
        }

        @Test("unknown hosts and apps without ready replicas get a one-line reason")
        func routerErrors() async throws {
            try await TestServer.with { server in
                let answer = try await server.viaRouter(host: "nothing-here.localhost")
                #expect(answer.status == 502)
                #expect(answer.body.contains("nothing-here"))
            }
        }
    }
}
