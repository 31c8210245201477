import Foundation
import KubernetesAPI
import KubernetesResources
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
        try await KmockSetup.run("the autoscale flow") { kmock in try await Self.flow(kmock.engine, kmock.client) }
    }

    static func flow(_ engine: KubernetesEngine, _ client: KubernetesClient) async throws {
        let namespace = KubernetesEngineFlowTests.namespace
        let v1 = try release(version: 1)
        _ = try await engine.apply(v1, previous: nil, log: { _ in })
        try await engine.waitForRollout(v1, previous: nil, log: { _ in })
        try await engine.prune(keeping: v1, previous: nil, log: { _ in })

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
        try await engine.waitForRollout(v2, previous: v1, log: { _ in })
        let after = try #require(try await client.get(.deployment, name: "shop-web", namespace: namespace))
        #expect(after.labels[Labels.version] == "v2")
        #expect(after[path: "spec", "replicas"]?.intValue == 4)

        // v3 runs 3 replicas without autoscaling; v4 turns it on again: the Deployment keeps 3
        // until the autoscaler acts. (kmock merges applies and never drops a field, so this is
        // the flow only; ReplicasHandoverTests checks the requests that keep them on a cluster.)
        var v3 = try release(version: 3)
        v3.services[0].autoscale = nil
        v3.services[0].replicas = 3
        _ = try await engine.apply(v3, previous: v2, log: { _ in })
        try await engine.prune(keeping: v3, previous: v2, log: { _ in })
        #expect(try await client.get(.horizontalPodAutoscaler, name: "shop-web", namespace: namespace) == nil)
        let v4 = try release(version: 4)
        _ = try await engine.apply(v4, previous: v3, log: { _ in })
        try await engine.waitForRollout(v4, previous: v3, log: { _ in })
        #expect(try await client.get(.deployment, name: "shop-web", namespace: namespace)?[path: "spec", "replicas"]?.intValue == 3)
        #expect(try await client.get(.horizontalPodAutoscaler, name: "shop-web", namespace: namespace) != nil)
        try await engine.destroy(app: v1.app)
    }
}
