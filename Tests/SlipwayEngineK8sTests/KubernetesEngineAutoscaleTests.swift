import Foundation
import KubernetesAPI
import SlipwayCore
@testable import SlipwayEngines
import SlipwayKubernetes
import SlipwayTestSupport
import Testing

/// `autoscale: {min, max, cpu}` through apply and rollout against kmock: the
/// HorizontalPodAutoscaler is there with the manifest's numbers, and the Deployment leaves
/// `spec.replicas` to it, so a later deploy does not reset what the autoscaler chose.
@Suite(.serialized) struct KubernetesEngineAutoscaleTests {
    static func release(version: Int) throws -> Release {
        var release = try KubernetesEngineFlowTests.release(version: version, worker: false)
        release.releaseCommand = nil
        release.services[0].resources = ResourceRequests(cpu: "250m", memory: nil)
        release.services[0].autoscale = Autoscale(min: 2, max: 5, cpuPercent: 60)
        return release
    }

    @Test func autoscaledDeployHasItsHPAAndLeavesReplicasToIt() async throws {
        let emulator = try await KmockEmulator.start()
        defer { emulator.stop() }
        let client = try KubernetesClient(
            configuration: .init(server: emulator.url, credentials: .init(bearerToken: "kmock"), namespace: "default", userName: "tester"),
            logger: testLogger)
        var configuration = KubernetesEngine.Configuration(registry: "registry.test/slipway")
        configuration.readyTimeout = .seconds(20)
        let engine = KubernetesEngine(client: client, builder: nil, docker: nil, configuration: configuration, logger: testLogger)
        let controller = FakeController(client: client, namespace: KubernetesEngineFlowTests.namespace)
        await controller.start()
        do {
            try await withTimeout(seconds: 90, "the autoscale flow") { try await Self.flow(engine, client) }
        } catch {
            await controller.stop()
            try? await client.shutdown()
            throw error
        }
        await controller.stop()
        try await client.shutdown()
    }

    static func flow(_ engine: KubernetesEngine, _ client: KubernetesClient) async throws {
        let namespace = KubernetesEngineFlowTests.namespace
        let v1 = try release(version: 1)
        _ = try await engine.apply(v1, previous: nil, log: { _ in })
        try await engine.rollOut(v1, previous: nil, log: { _ in })
        try await engine.completeRollout(v1, log: { _ in })

        let hpa = try #require(try await client.get(.horizontalPodAutoscaler, name: "shop-web", namespace: namespace))
        #expect(hpa[path: "spec", "scaleTargetRef", "kind"]?.stringValue == "Deployment")
        #expect(hpa[path: "spec", "scaleTargetRef", "name"]?.stringValue == "shop-web")
        #expect(hpa[path: "spec", "minReplicas"]?.intValue == 2)
        #expect(hpa[path: "spec", "maxReplicas"]?.intValue == 5)
        #expect(hpa[path: "spec", "metrics"]?[0]?[path: "resource", "target", "averageUtilization"]?.intValue == 60)
        let deployment = try #require(try await client.get(.deployment, name: "shop-web", namespace: namespace))
        #expect(deployment[path: "spec", "replicas"] == nil)

        // The autoscaler scales to 4 (through the scale subresource on a cluster); deploying v2
        // does not put a number of its own back.
        _ = try await client.mergePatch(.deployment, name: "shop-web", namespace: namespace, patch: ["spec": ["replicas": 4]])
        let v2 = try release(version: 2)
        _ = try await engine.apply(v2, previous: v1, log: { _ in })
        try await engine.rollOut(v2, previous: v1, log: { _ in })
        let after = try #require(try await client.get(.deployment, name: "shop-web", namespace: namespace))
        #expect(after.labels[Labels.version] == "v2")
        #expect(after[path: "spec", "replicas"]?.intValue == 4)
        try await engine.destroy(app: v1.app)
    }
}
