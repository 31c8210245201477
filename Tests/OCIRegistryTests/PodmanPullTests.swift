import Foundation
import OCIRegistry
import SlipwayTestSupport
import Testing

/// End to end: an image pushed with `OCIRegistryClient` is one that Podman pulls and runs.
@Suite(.registry(.none)) struct PodmanPullTests {
    @Test func podmanPullsAndRunsThePushedImage() async throws {
        let registry = try TestRegistry.require()
        let podman = try Tools.require("podman", package: "podman")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let image = try await BusyboxImage.make(in: scratch.directory)
        let repository = uniqueRepository("busybox")

        let reference = try await registry.client().pushImage(
            repository: repository,
            config: ImageBlobFile(file: image.config, mediaType: OCIMediaType.imageConfig),
            layers: [ImageBlobFile(file: image.layer, mediaType: OCIMediaType.layerTarGzip)],
            tag: "v1"
        )
        let output = try await Tools.withCleanUp {
            try await Tools.run(podman, ["pull", "--quiet", "--tls-verify=false", reference])
            return try await Tools.run(podman, ["run", "--rm", reference, "sh", "-c", "echo pulled-ok"])
        } cleanUp: {
            _ = try? await Tools.run(podman, ["rmi", "--force", reference])
        }
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "pulled-ok")
    }
}

/// The smallest runnable image made here: busybox-static's binary as /bin/busybox with
/// /bin/sh linked to it, as one gzip'd tar layer, and an image config naming the layer's
/// uncompressed digest (its diff_id).
struct BusyboxImage {
    let layer: URL
    let config: URL

    static func make(in directory: URL) async throws -> BusyboxImage {
        let tar = try Tools.require("tar", package: "tar")
        let gzip = try Tools.require("gzip", package: "gzip")
        let root = directory.appendingPathComponent("rootfs")
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        guard FileManager.default.fileExists(atPath: "/bin/busybox") else {
            throw TestFailure("/bin/busybox is missing: install it with `apt-get install -y busybox-static` (bash scripts/setup.sh does)")
        }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: bin.appendingPathComponent("busybox").path)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("sh").path, withDestinationPath: "busybox")

        let layerTar = directory.appendingPathComponent("layer.tar")
        try await Tools.run(tar, ["-C", root.path, "--owner=0", "--group=0", "--numeric-owner", "-cf", layerTar.path, "bin"])
        let (diffID, _) = try OCIDigest.sha256(ofFile: layerTar)
        try await Tools.run(gzip, ["-n", layerTar.path])  // replaces layer.tar by layer.tar.gz

        #if arch(arm64)
        let architecture = "arm64"
        #else
        let architecture = "amd64"
        #endif
        let config: [String: Any] = [
            "architecture": architecture,
            "os": "linux",
            "config": ["Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]],
            "rootfs": ["type": "layers", "diff_ids": [diffID.rawValue]],
        ]
        let configFile = directory.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: configFile)
        return BusyboxImage(layer: directory.appendingPathComponent("layer.tar.gz"), config: configFile)
    }
}
