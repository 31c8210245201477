import Foundation
import KubernetesAPI
import Logging
import SlipwayTestSupport

/// The kmock stand-in for a Kubernetes API server as the server under test sees it: a
/// kubeconfig naming it (bearer token), and a client of it for the test's own checks.
struct KmockCluster {
    let kubeconfig: URL
    let client: KubernetesClient

    init(_ emulator: KmockEmulator, directory: URL) throws {
        kubeconfig = directory.appendingPathComponent("kubeconfig")
        try """
            apiVersion: v1
            kind: Config
            current-context: kmock
            clusters: [{name: kmock, cluster: {server: "\(emulator.url)"}}]
            users: [{name: tester, user: {token: kmock-token}}]
            contexts: [{name: kmock, context: {cluster: kmock, user: tester}}]
            """.write(to: kubeconfig, atomically: true, encoding: .utf8)
        var logger = Logger(label: "kube-it")
        logger.logLevel = .warning
        client = try KubernetesClient(configuration: try Kubeconfig.load(path: kubeconfig.path).configuration(context: nil), logger: logger)
    }
}

/// What a deploy to the kmock stand-in needs besides the server: the emulator, a registry to
/// push to, and the test's FakeController playing the controllers in `slipway-hello`.
struct KmockDeployEnvironment {
    let emulator: KmockEmulator
    let registry: DockerRegistry
    let cluster: KmockCluster
    let controller: FakeController
    var client: KubernetesClient { cluster.client }

    /// `slipway server` arguments for this cluster and registry.
    var serverArguments: [String] {
        ["--engine", "kubernetes", "--kubeconfig", cluster.kubeconfig.path, "--registry", "\(registry.host)/slipway", "--domain", "apps.test"]
    }

    /// Starts everything, runs `body`, and stops everything (also when it throws).
    static func with(_ body: (KmockDeployEnvironment) async throws -> Void) async throws {
        let emulator = try await KmockEmulator.start()
        defer { emulator.stop() }
        let registry = try await DockerRegistry.start()
        defer { registry.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-it-kube-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try KmockCluster(emulator, directory: directory)
        let controller = FakeController(client: cluster.client, namespace: "slipway-hello")
        await controller.start()
        do {
            try await body(KmockDeployEnvironment(emulator: emulator, registry: registry, cluster: cluster, controller: controller))
        } catch {
            await controller.stop()
            try? await cluster.client.shutdown()
            throw error
        }
        await controller.stop()
        try await cluster.client.shutdown()
    }
}
