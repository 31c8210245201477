import DockerAPI
import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Rolling updates, automatic rollback of a bad release, and rollback to an earlier release.
    @Suite("Rollouts and rollbacks", .serialized)
    struct RolloutTests {
        static func app(page: String, replicas: Int = 2, command: String? = nil, health: String? = nil) -> [String: String] {
            let cmd = command ?? "httpd -f -p 8080 -h /www"
            return [
                "Dockerfile": "FROM busybox\nCOPY www /www\nCMD [\"sh\", \"-c\", \"\(cmd)\"]\n",
                "www/index.html": page,
                "www/healthz": "ok",
                "slipway.yaml": "services:\n  web:\n    port: 8080\n    replicas: \(replicas)\n" + (health.map { "    health: \($0)\n" } ?? ""),
            ]
        }

        @Test("a rolling update keeps between desired and desired+maxSurge replicas running, and never fails a request")
        func surgeBounds() async throws {
            let repo = try await GitRepository(files: Self.app(page: "one", replicas: 3))
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("rolling", source: repo.url).status == .completed)
                try await repo.commit(["www/index.html": "two"], message: "v2")
                let trace = try await server.client.deploy(app: try DNSLabel("rolling"), source: repo.url)
                var running: [Int] = []
                let (view, _, failures) = try await server.followUnderLoad(trace.traceId, host: "rolling.localhost") {
                    running.append(try await server.containers(app: "rolling").filter { $0.state == "running" }.count)
                }
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(failures.isEmpty, "\(failures.prefix(5))")
                #expect(running.allSatisfy { (3...4).contains($0) }, "running replicas during the rollout: \(running)")
                #expect(try await server.viaRouter(host: "rolling.localhost").body == "two")
                let log = try await server.get("/v1/deploys/\(trace.traceId)/log").body
                #expect(log.contains("maxSurge 1"))
            }
        }

        @Test("a release whose health check never passes is rolled back; the old one never stopped serving")
        func unhealthyReleaseRollsBack() async throws {
            let repo = try await GitRepository(files: Self.app(page: "good", health: "{path: /healthz}"))
            defer { repo.remove() }
            try await TestServer.with(arguments: ["--ready-timeout", "3"]) { server in
                try #require(try await server.deploy("guarded", source: repo.url).status == .completed)
                let before = Set(try await server.containers(app: "guarded").map(\.id))
                try await repo.git("rm", "--quiet", "www/healthz")
                try await repo.commit(["www/index.html": "bad"], message: "no health")
                let view = try await server.deploy("guarded", source: repo.url)
                #expect(view.status == .error)
                #expect(view.stages.first { $0.status == .error }?.name == "run")
                #expect(view.error?.contains("/healthz") == true, "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "guarded.localhost").body == "good")
                #expect(Set(try await server.containers(app: "guarded").map(\.id)) == before)
                #expect(try await server.client.releases(app: try DNSLabel("guarded")).releases.map(\.version) == [1])
            }
        }

        @Test("a release that crashes during the rollout is undone, with the failing replica's last log lines")
        func crashDuringRollout() async throws {
            let repo = try await GitRepository(files: Self.app(page: "stable", replicas: 3))
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("fragile", source: repo.url).status == .completed)
                // web.1 is ready at once and dies a second later; web.2 only listens after two seconds, so
                // web.1 crashes while the rollout is still going.
                let command = #"if [ \"$SLIPWAY_REPLICA\" = web.1 ]; then httpd -p 8080 -h /www; echo going down; sleep 1; exit 4; "#
                    + #"else sleep 2; exec httpd -f -p 8080 -h /www; fi"#
                try await repo.commit(Self.app(page: "doomed", replicas: 3, command: command), message: "doomed")
                let trace = try await server.client.deploy(app: try DNSLabel("fragile"), source: repo.url)
                let (view, _, failures) = try await server.followUnderLoad(trace.traceId, host: "fragile.localhost")
                #expect(view.status == .error)
                #expect(view.error?.contains("going down") == true, "\(view.error ?? "")")
                #expect(failures.isEmpty, "\(failures.prefix(5))")
                #expect(try await server.viaRouter(host: "fragile.localhost").body == "stable")
                let containers = try await server.containers(app: "fragile")
                #expect(containers.count == 3)
                #expect(containers.allSatisfy { $0.labels["app.kubernetes.io/version"] == "v1" })
                #expect(try await server.client.app(try DNSLabel("fragile")).currentRelease == 1)
            }
        }

        @Test("rollback makes a new release from an old one without a rebuild, via API and CLI")
        func rollback() async throws {
            let repo = try await GitRepository(files: Self.app(page: "one"))
            defer { repo.remove() }
            try await TestServer.with { server in
                let app = try DNSLabel("history")
                try #require(try await server.deploy("history", source: repo.url).status == .completed)
                try await repo.commit(["www/index.html": "two"], message: "v2")
                try #require(try await server.deploy("history", source: repo.url).status == .completed)
                #expect(try await server.viaRouter(host: "history.localhost").body == "two")

                let trace = try await server.client.rollback(app: app)
                let view = try await server.waitForDeploy(trace.traceId)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(view.stages.prefix(3).allSatisfy { $0.status == .skipped })
                #expect(view.release == 3)
                #expect(try await server.viaRouter(host: "history.localhost").body == "one")
                let releases = try await server.client.releases(app: app).releases
                #expect(releases.map(\.version) == [3, 2, 1])
                #expect(releases[0].description == "Rollback to v1")
                #expect(releases[0].services.first?.image == releases[2].services.first?.image)
                #expect(releases[0].source.commit == releases[2].source.commit)

                // The CLI: `slipway rollback APP --to v2` follows it and prints the URL last.
                let cli = try await runCLI(["rollback", "history", "--to", "v2", "--server", server.baseURL])
                #expect(cli.status == 0, "\(cli.output)")
                #expect(cli.output.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("http://history.localhost:\(server.routerPort)/"))
                #expect(try await server.viaRouter(host: "history.localhost").body == "two")

                let missing = try await server.request(.POST, "/v1/apps/history/rollback", body: Data(#"{"to": 42}"#.utf8))
                #expect(missing.status == 404)
                #expect(missing.body.contains("no release v42"))
                let ps = try await runCLI(["ps", "history", "--server", server.baseURL])
                #expect(ps.status == 0)
                #expect(ps.output.contains("web.1") && ps.output.contains("v4"), "\(ps.output)")
            }
        }
    }
}
