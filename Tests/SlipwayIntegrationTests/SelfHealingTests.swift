import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// The reconciler keeps what runs equal to the current release, and the router hides the gaps.
    @Suite("Self-healing", .serialized)
    struct SelfHealingTests {
        static let healthyApp = [
            "Dockerfile": "FROM busybox\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
            "www/index.html": "healthy",
            "www/healthz": "ok",
            "slipway.yaml": """
            services:
              web:
                port: 8080
                replicas: 2
                health: {path: /healthz, interval: 300ms, timeout: 1s, threshold: 2, startPeriod: 5s}
            """,
        ]

        /// Polls `condition` every 100 ms until it holds or `timeout` passes.
        func eventually(_ what: String, within timeout: Duration = .seconds(20),
                        _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("timed out waiting until \(what)")
        }

        /// Sends requests through the router until `body` returns, counting failures.
        func requests(during server: TestServer, host: String, _ body: () async throws -> Void) async throws -> (ok: Int, failed: [String]) {
            let stop = ManagedFlag()
            async let load: (Int, [String]) = {
                var ok = 0
                var failed: [String] = []
                while !stop.value && !Task.isCancelled {
                    do {
                        let answer = try await server.viaRouter(host: host)
                        if answer.status == 200 { ok += 1 } else { failed.append("\(answer.status) \(answer.body)") }
                    } catch {
                        failed.append("no answer at \(Date()): \(String(reflecting: error))")
                    }
                }
                return (ok, failed)
            }()
            defer { stop.value = true }
            try await body()
            stop.value = true
            return try await load
        }

        func replicas(_ server: TestServer, _ app: String) async throws -> [ReplicaView] {
            try await server.client.replicas(app: try DNSLabel(app)).replicas
        }

        /// Whether both replicas of `heal` are ready again and `victim` is no longer one of them.
        func replaced(_ victim: ContainerSummary, on server: TestServer) async throws -> Bool {
            let list = try await replicas(server, "heal")
            return list.count == 2 && list.allSatisfy(\.ready) && !list.contains { victim.id.hasPrefix($0.containerId) }
        }

        @Test("a killed replica is restarted and no request fails meanwhile (router retries)")
        func killedReplica() async throws {
            let repo = try await GitRepository(files: Self.healthyApp)
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("heal", source: repo.url).status == .completed)
                let victim = try #require(try await server.containers(app: "heal").first)
                let result = try await requests(during: server, host: "heal.localhost") {
                    try await TestEngine.docker().killContainer(victim.id)
                    try await eventually("the killed replica is back") {
                        let list = try await replicas(server, "heal")
                        return list.count == 2 && list.allSatisfy(\.ready) && list.contains { $0.restarts >= 1 }
                    }
                }
                #expect(result.failed.isEmpty, "failed requests: \(result.failed.prefix(5))")
                #expect(result.ok > 10)
            }
        }

        @Test("a replica removed from outside is replaced; an unknown Slipway container is removed")
        func removedAndOrphan() async throws {
            let repo = try await GitRepository(files: Self.healthyApp)
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("heal", source: repo.url).status == .completed)
                let before = try await server.containers(app: "heal")
                let victim = try #require(before.first)
                try await TestEngine.docker().removeContainer(victim.id, force: true)
                try await eventually("a replacement runs and is ready") { try await replaced(victim, on: server) }
                // A container with this server's labels but a release that is not current: an orphan.
                let template = try #require(before.last)
                let serverID = try #require(template.labels["io.slipway.server"])
                var labels = template.labels
                labels["app.kubernetes.io/version"] = "v99"
                labels["io.slipway.server"] = serverID
                let orphan = try await TestEngine.docker().createContainer(
                    name: "slipway-test-orphan-\(UUID().uuidString.prefix(6).lowercased())",
                    spec: ContainerSpec(image: "docker.io/library/busybox:latest", command: ["sleep", "60"], labels: labels))
                do {
                    try await TestEngine.docker().startContainer(orphan)
                } catch let error as DockerAPIError where error.isNotFound {
                    // The reconciler removed it before it even started: that is the behaviour under test.
                }
                try await eventually("the orphan is removed") {
                    try await TestEngine.docker().inspectContainer(orphan) == nil
                }
                #expect(try await server.viaRouter(host: "heal.localhost").body == "healthy")
            }
        }

        @Test("a ready replica failing its health checks leaves the rotation and is replaced")
        func failingHealthCheck() async throws {
            let repo = try await GitRepository(files: Self.healthyApp)
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("heal", source: repo.url).status == .completed)
                let victim = try #require(try await server.containers(app: "heal").first)
                let result = try await requests(during: server, host: "heal.localhost") {
                    try await run("/usr/bin/podman", ["exec", victim.id, "rm", "/www/healthz"])
                    try await eventually("the sick replica was replaced by a healthy one") { try await replaced(victim, on: server) }
                }
                #expect(result.failed.isEmpty, "failed requests: \(result.failed.prefix(5))")
            }
        }

        @Test("a replica that keeps crashing restarts with backoff and shows crashloop")
        func crashLoop() async throws {
            var files = Self.healthyApp
            // Ready at once, then the replica dies two seconds later — every time.
            files["Dockerfile"] = "FROM busybox\nCOPY www /www\nCMD [\"sh\", \"-c\", \"httpd -p 8080 -h /www; sleep 2; exit 3\"]\n"
            files["slipway.yaml"] = "services:\n  web:\n    port: 8080\n    replicas: 1\n"
            let repo = try await GitRepository(files: files)
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("loop", source: repo.url).status == .completed)
                var sawCrashLoop = false
                try await eventually("the replica shows crashloop after restarts", within: .seconds(40)) {
                    let replica = try await replicas(server, "loop").first
                    if replica?.state == "crashloop" { sawCrashLoop = true }
                    return sawCrashLoop && (replica?.restarts ?? 0) >= 3
                }
            }
        }
    }
}

/// A flag shared between a test and the load it runs beside.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var _value = false
    var value: Bool {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}
