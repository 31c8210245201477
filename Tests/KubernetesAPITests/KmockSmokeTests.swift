import KubernetesAPI
import KubernetesResources
import SlipwayTestSupport
import Testing

/// The client's real requests against the kmock emulator: apply, get, list, a controller's
/// status patch, watch, delete. kmock keeps no resourceVersion and ignores selectors, and a
/// watch replays the current objects as ADDED, so this checks the flow, not the semantics.
@Suite(.serialized) struct KmockSmokeTests {
    @Test func applyGetListPatchStatusWatchDelete() async throws {
        let emulator = try await KmockEmulator.start()
        defer { emulator.stop() }
        let client = try KubernetesClient(
            configuration: .init(server: emulator.url, credentials: .init(bearerToken: "kmock"), namespace: "slipway-shop", userName: "tester"),
            logger: testLogger)
        do {
            try await withTimeout(seconds: 60, "the kmock flow") { try await flow(client) }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func flow(_ client: KubernetesClient) async throws {
        let labels: JSONValue = ["app.kubernetes.io/name": "shop", "app.kubernetes.io/managed-by": "slipway"]
        #expect(try await client.serverVersion()["major"] != nil)

        let namespace = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "slipway-shop", "labels": labels]])
        #expect(namespace.metadataName == "slipway-shop")
        var deployment: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "slipway-shop", "labels": labels],
            "spec": [
                "replicas": 2, "selector": ["matchLabels": labels],
                "template": ["metadata": ["labels": labels], "spec": ["containers": [["name": "web", "image": "registry.test/shop@sha256:0123"]]]],
            ],
        ]
        let applied = try await client.apply(deployment)
        #expect(applied[path: "spec", "replicas"] == 2)
        deployment["spec"]?["replicas"] = 3
        #expect(try await client.apply(deployment)[path: "spec", "replicas"] == 3)

        let fetched = try #require(try await client.get(.deployment, name: "web"))
        #expect(fetched.labels["app.kubernetes.io/managed-by"] == "slipway")
        #expect(try await client.get(.deployment, name: "absent") == nil)
        let list = try await client.list(.deployment, namespace: "slipway-shop", options: ListOptions(labelSelector: "app.kubernetes.io/name=shop"))
        #expect(list.items.compactMap(\.metadataName) == ["web"])

        // Playing the Deployment controller: report the rollout in status.
        let status: JSONValue = ["status": ["observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3]]
        let patched = try await client.mergePatch(.deployment, name: "web", patch: status, subresource: "status")
        #expect(patched[path: "status", "availableReplicas"] == 3)

        let events = try await client.watch(
            .deployment, namespace: "slipway-shop", options: WatchOptions(name: "web", timeoutSeconds: 10))
        var iterator = events.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.type == .added)  // kmock replays the current object
        #expect(first.object[path: "status", "availableReplicas"] == 3)
        #expect(try await client.delete(.deployment, name: "web"))
        var sawDeleted = false
        while let event = try await iterator.next() {
            if event.type == .deleted, event.object.metadataName == "web" {
                sawDeleted = true
                break
            }
        }
        #expect(sawDeleted)
        #expect(try await client.get(.deployment, name: "web") == nil)
        #expect(try await client.delete(.deployment, name: "web") == false)
        #expect(try await client.delete(.namespace, name: "slipway-shop"))
    }
}
