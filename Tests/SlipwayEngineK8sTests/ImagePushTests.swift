import AsyncHTTPClient
import DockerAPI
import Foundation
import OCIRegistry
@testable import SlipwayEngines
import Testing

/// The build path's second half against the real CNCF registry (`docker-registry`): an image
/// built by Podman is exported through the Docker API, pushed as an OCI image with
/// uncompressed layers, found in the registry by digest, and pulled and run by Podman.
@Suite(.serialized) struct ImagePushTests {
    @Test func exportedImageIsPushedByDigestAndRuns() async throws {
        let socket = "/run/podman/podman.sock"
        let docker = DockerClient(socketPath: socket, logger: testLogger)
        guard await docker.ping() else {
            throw TestFailure("Podman's API does not answer at \(socket); run `bash scripts/setup.sh`")
        }
        let registry = try await LocalRegistry.start()
        defer { registry.stop() }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-k8s-push-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        // A tiny image FROM busybox (present locally: no registry is reachable from here).
        let tag = "localhost/slipway-k8s-push-test:\(UUID().uuidString.prefix(8).lowercased())"
        try "FROM docker.io/library/busybox:latest\nRUN echo pushed-ok > /hello\nCMD [\"cat\", \"/hello\"]\n"
            .write(to: scratch.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
        try runTool("podman", ["build", "--pull=never", "--no-cache", "-q", "-t", tag, scratch.path])
        defer { _ = try? runTool("podman", ["rmi", "--force", tag]) }
        let imageID = try #require(try await docker.inspectImage(tag)).id

        let client = try OCIRegistryClient(baseURL: URL(string: "http://\(registry.host)")!, logger: testLogger)
        var configuration = KubernetesEngine.Configuration(registry: "\(registry.host)/slipway")
        configuration.registryInsecure = true
        let reference = try await KubernetesEngine.push(image: imageID, docker: docker, registry: client,
                                                        repository: "slipway/shop-web", tag: "t1", directory: scratch.appendingPathComponent("push"))
        #expect(reference.hasPrefix("\(registry.host)/slipway/shop-web@sha256:"))
        let digest = String(reference.split(separator: "@")[1])
        let found = try await client.manifestDigest(repository: "slipway/shop-web", reference: digest)
        #expect(found?.rawValue == digest)
        #expect(try await client.manifestDigest(repository: "slipway/shop-web", reference: "t1")?.rawValue == digest)

        // Podman pulls the pushed image by digest and runs it.
        defer { _ = try? runTool("podman", ["rmi", "--force", reference]) }
        try runTool("podman", ["pull", "--quiet", "--tls-verify=false", reference])
        let output = try runTool("podman", ["run", "--rm", reference])
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "pushed-ok")
    }

    @Test func registryOptionIsSplitIntoHostAndPrefix() throws {
        let full = try KubernetesEngine.Configuration.splitRegistry("registry.example.com:5000/team/apps")
        #expect(full.host == "registry.example.com:5000")
        #expect(full.prefix == "team/apps")
        let bare = try KubernetesEngine.Configuration.splitRegistry("127.0.0.1:5000")
        #expect(bare.host == "127.0.0.1:5000")
        #expect(bare.prefix == "")
        #expect(throws: (any Error).self) { try KubernetesEngine.Configuration.splitRegistry("https://registry.example.com/x") }
    }
}

/// A `docker-registry` (Debian package) on a free loopback port, without auth.
final class LocalRegistry: Sendable {
    let process: Process
    let directory: URL
    let port: Int
    var host: String { "127.0.0.1:\(port)" }

    init(process: Process, directory: URL, port: Int) {
        self.process = process
        self.directory = directory
        self.port = port
    }

    static func start() async throws -> LocalRegistry {
        let binary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("docker-registry is not installed: `apt-get install -y docker-registry` (bash scripts/setup.sh does)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-k8s-registry-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = Int.random(in: 20000...40000)
        try """
            version: 0.1
            storage:
              filesystem:
                rootdirectory: \(directory.path)/storage
            http:
              addr: 127.0.0.1:\(port)
              secret: slipway-test-secret
            """.write(to: directory.appendingPathComponent("config.yml"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", directory.appendingPathComponent("config.yml").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let registry = LocalRegistry(process: process, directory: directory, port: port)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { break }
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://\(registry.host)/v2/"), timeout: .seconds(2)) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                if response.status.code == 200 { return registry }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        registry.stop()
        throw TestFailure("docker-registry did not answer on \(registry.host) within 20 s")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
