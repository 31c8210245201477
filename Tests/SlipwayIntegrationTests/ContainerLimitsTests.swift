import Commands
import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Issue 14, "a container gets only what it needs", on the local engine (real Podman): every
    /// replica runs with a memory limit, CPU shares, a pids limit, no-new-privileges and without
    /// NET_RAW, its log capped; slipway.yaml's `resources` overrides; `slipway ps` shows them.
    @Suite("Container limits", .serialized)
    struct ContainerLimitsTests {
        struct HostConfig: Decodable {
            var Memory: Int64?
            var CpuShares: Int?
            var PidsLimit: Int?
            var SecurityOpt: [String]?
            var CapDrop: [String]?
        }

        static func hostConfig(_ id: String) async throws -> HostConfig {
            let result = try await Command("/usr/bin/podman", ["inspect", "--format", "{{json .HostConfig}}", id],
                                           timeout: .seconds(60)).runChecked()
            return try JSONDecoder().decode(HostConfig.self, from: Data(result.standardOutput.utf8))
        }

        @Test("defaults on every replica; resources in slipway.yaml override them; ps shows the limits")
        func defaultsAndOverrides() async throws {
            try await TestServer.with { server in
                let app = "limits-\(UUID().uuidString.prefix(6).lowercased())"
                var files = GitRepository.helloFiles(page: "limited", replicas: 1, name: app)
                let repo = try await GitRepository(files: files)
                defer { repo.remove() }
                let first = try await server.deploy(app, source: repo.url)
                try #require(first.status == .completed, "\(first.error ?? "")")
                let container = try #require(try await server.containers(app: app).first)
                let defaults = try await Self.hostConfig(container.id)
                #expect(defaults.Memory == Int64(512 * 1_048_576))
                #expect(defaults.CpuShares == 1024)
                #expect(defaults.PidsLimit == 1024)
                #expect(defaults.SecurityOpt?.contains("no-new-privileges") == true, "\(defaults.SecurityOpt ?? [])")
                #expect(defaults.CapDrop?.contains { $0.uppercased().hasSuffix("NET_RAW") } == true, "\(defaults.CapDrop ?? [])")
                let shown = try await server.client.replicas(app: try DNSLabel(app)).replicas.first?.limits
                #expect(shown == "memory 512Mi, cpu shares 1024, pids 1024")
                let ps = try await runCLI(["ps", app, "--server", server.baseURL])
                #expect(ps.output.contains("LIMITS") && ps.output.contains("memory 512Mi, cpu shares 1024, pids 1024"), "\(ps.output)")

                files["slipway.yaml"] = "name: \(app)\nservices:\n  web:\n    port: 8080\n    resources: {memory: 64Mi, cpu: 250m, pids: 100}\n"
                try await repo.commit(files, message: "resources")
                let second = try await server.deploy(app, source: repo.url)
                try #require(second.status == .completed, "\(second.error ?? "")")
                let replaced = try #require(try await server.containers(app: app).first { $0.labels["app.kubernetes.io/version"] == "v2" })
                let overridden = try await Self.hostConfig(replaced.id)
                #expect(overridden.Memory == Int64(64 * 1_048_576))
                #expect(overridden.CpuShares == 256)
                #expect(overridden.PidsLimit == 100)
                #expect(try await server.client.replicas(app: try DNSLabel(app)).replicas.first?.limits == "memory 64Mi, cpu shares 256, pids 100")
            }
        }

        @Test("attack: a replica eating memory is killed at its limit; the deploy fails naming the limit; the previous release serves")
        func memoryHogIsKilledAtItsLimit() async throws {
            try await TestServer.with { server in
                let app = "hog-\(UUID().uuidString.prefix(6).lowercased())"
                var files = GitRepository.helloFiles(page: "steady", replicas: 1, name: app)
                let repo = try await GitRepository(files: files)
                defer { repo.remove() }
                try #require(try await server.deploy(app, source: repo.url).status == .completed)
                let before = Set(try await server.containers(app: app).map(\.id))
                // The shell holds seq's ~900 MB of output in memory.
                files["slipway.yaml"] = """
                    name: \(app)
                    services:
                      web:
                        port: 8080
                        command: ["sh", "-c", "x=$(seq 1 100000000)"]
                        resources: {memory: 16Mi}
                    """
                try await repo.commit(files, message: "hog")
                let view = try await server.deploy(app, source: repo.url)
                #expect(view.status == .error)
                #expect((view.error ?? "").contains("over its memory limit of 16Mi"), "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "steady")
                #expect(Set(try await server.containers(app: app).map(\.id)) == before)
            }
        }

        @Test("attack: a build step eating memory is killed at --build-memory-mb; the deploy fails naming the limit; the previous release serves")
        func buildMemoryHogIsKilledAtItsLimit() async throws {
            try await TestServer.with(arguments: ["--build-memory-mb", "64"]) { server in
                let app = "bhog-\(UUID().uuidString.prefix(6).lowercased())"
                var files = GitRepository.helloFiles(page: "steady", replicas: 1, name: app)
                let repo = try await GitRepository(files: files)
                defer { repo.remove() }
                try #require(try await server.deploy(app, source: repo.url).status == .completed)
                let before = Set(try await server.containers(app: app).map(\.id))
                // tail holds the last 250 MB of its input in memory: far past 64 MiB.
                files["Dockerfile"] = (files["Dockerfile"] ?? "") + "RUN head -c 300000000 /dev/zero | tail -c 250000000 > /dev/null\n"
                try await repo.commit(files, message: "hog")
                let view = try await server.deploy(app, source: repo.url)
                #expect(view.status == .error)
                #expect(view.stages.first { $0.status == .error }?.name == "build")
                #expect((view.error ?? "").contains("its memory limit of 64Mi"), "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "steady")
                #expect(Set(try await server.containers(app: app).map(\.id)) == before)
            }
        }
    }
}
