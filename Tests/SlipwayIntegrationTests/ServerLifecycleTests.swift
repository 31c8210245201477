import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// The server can stop and come back: apps keep running meanwhile and are adopted again.
    @Suite("Server lifecycle", .serialized)
    struct ServerLifecycleTests {
        @Test("graceful restart: apps keep running while the server is down and are routed again after")
        func restart() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "survives restarts"))
            defer { repo.remove() }
            try await TestServer.with { server in
                #expect(try await server.deploy("durable", source: repo.url).status == .completed)
                let before = Set(try await server.containers(app: "durable").map(\.id))

                await server.stop()
                // The replicas run on without the control plane.
                let whileDown = try await server.containers(app: "durable")
                #expect(Set(whileDown.map(\.id)) == before)
                #expect(whileDown.allSatisfy { $0.state == "running" })

                try await server.start()
                #expect(try await server.viaRouter(host: "durable.localhost").body == "survives restarts")
                #expect(Set(try await server.containers(app: "durable").map(\.id)) == before, "replicas were replaced, not adopted")
                let app = try await server.client.app(try DNSLabel("durable"))
                #expect(app.currentRelease == 1)
                #expect(app.services.first?.readyReplicas == 2)
                // State survived: the deploy and its releases are still there, and a redeploy works.
                #expect(try await server.client.releases(app: try DNSLabel("durable")).releases.count == 1)
                try await repo.commit(["www/index.html": "after restart"], message: "v2")
                #expect(try await server.deploy("durable", source: repo.url).release == 2)
                #expect(try await server.viaRouter(host: "durable.localhost").body == "after restart")
            }
        }

        @Test("kill -9 during a deploy: the deploy ends ERROR after restart, no orphan containers, old release serves")
        func killDuringDeploy() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "v1", replicas: 1))
            defer { repo.remove() }
            try await TestServer.with(arguments: ["--ready-timeout", "30"]) { server in
                #expect(try await server.deploy("crashy", source: repo.url).status == .completed)
                // A release whose replica takes a while to listen, so the server dies in the run stage.
                try await repo.commit(["Dockerfile": "FROM busybox\nCOPY www /www\nCMD [\"sh\", \"-c\", \"sleep 5; exec httpd -f -p 8080 -h /www\"]\n",
                                 "www/index.html": "v2"], message: "slow")
                let trace = try await server.client.deploy(app: try DNSLabel("crashy"), source: repo.url)
                // Kill the server once the run stage has started the new (slow) replica.
                let deadline = ContinuousClock.now + .seconds(60)
                var inRunStage = false
                while ContinuousClock.now < deadline {
                    let view = try await server.client.deployStatus(traceId: trace.traceId)
                    inRunStage = view.stages.first(where: { $0.name == "run" })?.status == .inProgress
                    if inRunStage, try await server.containers(app: "crashy").count == 2 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                try #require(inRunStage, "the deploy never reached the run stage")
                await server.kill()

                try await server.start()
                let view = try await server.client.deployStatus(traceId: trace.traceId)
                #expect(view.status == .error)
                #expect(view.error == "interrupted by server restart")
                #expect(try await server.viaRouter(host: "crashy.localhost").body == "v1")
                let containers = try await server.containers(app: "crashy")
                #expect(containers.count == 1)
                #expect(containers.first?.labels["app.kubernetes.io/version"] == "v1")
                #expect(try await server.client.app(try DNSLabel("crashy")).currentRelease == 1)
            }
        }

        @Test("destroy stops everything and frees the route")
        func destroy() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "short-lived"))
            defer { repo.remove() }
            try await TestServer.with { server in
                #expect(try await server.deploy("gone", source: repo.url).status == .completed)
                let result = try await server.client.destroy(app: try DNSLabel("gone"))
                #expect(result.destroyed)
                #expect(try await server.containers(app: "gone").isEmpty)
                #expect(try await server.viaRouter(host: "gone.localhost").status == 502)
                let missing = try await server.get("/v1/apps/gone")
                #expect(missing.status == 404)
                #expect(missing.body.contains("no app named gone"))
            }
        }
    }
}
