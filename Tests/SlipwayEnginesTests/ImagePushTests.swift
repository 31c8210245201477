import AsyncHTTPClient
import DockerAPI
import Foundation
import OCIRegistry
@testable import SlipwayEngines
import SlipwayTestSupport
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
        let registry = try await DockerRegistry.start()
        defer { registry.stop() }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-k8s-push-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        // A tiny image FROM busybox (present locally: no registry is reachable from here).
        let tag = "localhost/slipway-k8s-push-test:\(UUID().uuidString.prefix(8).lowercased())"
        try "FROM docker.io/library/busybox:latest\nRUN echo pushed-ok > /hello\nCMD [\"cat\", \"/hello\"]\n"
            .write(to: scratch.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
        try await Tools.run("podman", ["build", "--pull=never", "--no-cache", "-q", "-t", tag, scratch.path])
        try await Tools.withCleanUp {
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
            let output = try await Tools.withCleanUp {
                try await Tools.run("podman", ["pull", "--quiet", "--tls-verify=false", reference])
                return try await Tools.run("podman", ["run", "--rm", reference])
            } cleanUp: {
                _ = try? await Tools.run("podman", ["rmi", "--force", reference])
            }
            #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "pushed-ok")
        } cleanUp: {
            _ = try? await Tools.run("podman", ["rmi", "--force", tag])
        }
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
