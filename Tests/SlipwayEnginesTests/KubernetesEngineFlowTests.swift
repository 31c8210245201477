import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
@testable import SlipwayEngines
import SlipwayKubernetes
import SlipwayTestSupport
import Testing

/// The engine's deploy, prune, rollback, failed-rollout and destroy flow against the kmock
/// emulator, the test playing the controllers (FakeController). kmock keeps no generation
/// and ignores selectors: this checks the flow and the requests, not cluster semantics.
@Suite(.serialized) struct KubernetesEngineFlowTests {
    static let namespace = "slipway-shop"

    static func release(version: Int, worker: Bool) throws -> Release {
        var web = ReleasedService(name: "web", image: "registry.test/slipway/shop-web@sha256:\(String(repeating: "a", count: 64))",
                                  port: 8080, replicas: 2, env: [:], command: nil)
        web.health = nil
        var services = [web]
        if worker {
            services.append(ReleasedService(name: "worker", image: "registry.test/slipway/shop-web@sha256:\(String(repeating: "a", count: 64))",
                                            port: 0, replicas: 1, env: [:], command: ["./work"], routed: false))
        }
        var release = Release(app: try DNSLabel("shop"), version: version, traceId: "trace\(version)", createdAt: Date(),
                              source: SourceInfo(kind: .upload), services: services, defaultService: "web")
        release.config = ["MODE": "v\(version)"]
        release.releaseCommand = ["./migrate"]
        return release
    }

    @Test func deployPruneRollbackFailDestroy() async throws {
        try await KmockSetup.run("the kmock engine flow", seconds: 120,
                                 renderOptions: KubernetesRenderOptions(domain: "apps.test", ingressClass: "nginx")) { kmock in
            try await Self.flow(kmock.engine, kmock.client, kmock.controller)
        }
    }

    static func versionLabel(_ client: KubernetesClient, _ kind: KubernetesResource, _ name: String) async throws -> String? {
        try await client.get(kind, name: name, namespace: namespace)?.labels[Labels.version]
    }

    static func flow(_ engine: KubernetesEngine, _ client: KubernetesClient, _ controller: FakeController) async throws {
        let log = LogLines()
        let v1 = try release(version: 1, worker: true)
        let v2 = try release(version: 2, worker: false)

        // (a) the release phase as a Job, then the rollout: every rendered object is in kmock.
        let output = LogLines()
        let code = try await engine.runOneOff(v1, service: nil, command: ["./migrate"], stdin: nil, purpose: .release) { event in
            await output.append(event.text ?? "")
        }
        #expect(code == 0)
        // The Job's pod log was read (kmock answers a log request with the pod's JSON).
        let released = await output.lines
        #expect(released.contains { $0.contains("shop-release-v1-pod") }, "\(released)")
        #expect(try await versionLabel(client, .job, "shop-release-v1") == "v1")
        _ = try await engine.apply(v1, previous: nil, log: log.sink)
        try await engine.waitForRollout(v1, previous: nil, log: log.sink)
        try await engine.prune(keeping: v1, previous: nil, log: log.sink)
        let rendered = try KubernetesRenderer(options: engine.configuration.renderOptions).render(v1)
        for object in rendered {
            let found = try await client.get(object.kind, name: object.name, namespace: object.namespace)
            #expect(found != nil, "\(object.kind.kind) \(object.name) was not applied")
            if object.kind != .namespace { #expect(found?.labels[Labels.version] == "v1") }
        }
        #expect(rendered.contains { $0.kind == .ingress })
        let image = try await client.get(.deployment, name: "shop-web", namespace: namespace)?[path: "spec", "template", "spec", "containers"]?[0]?["image"]
        #expect(image?.stringValue == v1.services[0].image)
        #expect(await log.lines.contains { $0.contains("Deployment shop-web rolled out") })

        // (b) v2 has no worker: completeRollout prunes its Deployment and v1's Job.
        _ = try await engine.runOneOff(v2, service: nil, command: ["./migrate"], stdin: nil, purpose: .release) { _ in }
        _ = try await engine.apply(v2, previous: v1, log: log.sink)
        try await engine.waitForRollout(v2, previous: v1, log: log.sink)
        #expect(try await versionLabel(client, .deployment, "shop-worker") == "v1")  // not pruned before the route stage
        try await engine.prune(keeping: v2, previous: v1, log: log.sink)
        #expect(try await client.get(.deployment, name: "shop-worker", namespace: namespace) == nil)
        #expect(try await client.get(.job, name: "shop-release-v1", namespace: namespace) == nil)
        #expect(try await versionLabel(client, .deployment, "shop-web") == "v2")
        let v2Config = try configMapName(v2, engine)
        #expect(try await versionLabel(client, .configMap, v2Config) == "v2")
        #expect(try await client.get(.configMap, name: try configMapName(v1, engine), namespace: namespace) != nil,
                "the previous release's config is kept for a rollback")

        // (c) undo/rollback: v1's objects are applied again, v2's own pruned.
        await engine.putBack(v1, instead: v2, log: log.sink)
        #expect(try await versionLabel(client, .deployment, "shop-worker") == "v1")
        #expect(try await versionLabel(client, .deployment, "shop-web") == "v1")
        #expect(try await client.get(.job, name: "shop-release-v2", namespace: namespace) == nil)
        // The rollback brought v1's config back under the Deployment; v2's is pruned.
        #expect(try await configMapReference(client, "shop-web") == (try configMapName(v1, engine)))
        #expect(try await client.get(.configMap, name: v2Config, namespace: namespace) == nil)

        // (d) a Deployment that exceeds its progress deadline fails the rollout with the reason,
        // and v1's objects are put back.
        await controller.setStuck(true)
        try await waitUntil("the controller reports ProgressDeadlineExceeded") {
            let status = try await client.get(.deployment, name: "shop-web", namespace: namespace)?["status"]
            return status?["conditions"]?[0]?["reason"]?.stringValue == "ProgressDeadlineExceeded"
        }
        let v3 = try release(version: 3, worker: false)
        do {
            _ = try await engine.apply(v3, previous: v1, log: log.sink)
            try await engine.waitForRollout(v3, previous: v1, log: log.sink)
            Issue.record("the rollout of v3 should have failed")
        } catch let error as SlipwayError {
            #expect(error.message.contains("ProgressDeadlineExceeded"), "\(error.message)")
            #expect(error.message.contains("shop-web"), "\(error.message)")
        }
        #expect(try await versionLabel(client, .deployment, "shop-web") == "v1")
        #expect(try await versionLabel(client, .deployment, "shop-worker") == "v1")
        await controller.setStuck(false)

        // ps and logs from pods (made here: kmock runs no controllers); Job pods are not replicas.
        // Replicas are numbered by creation time, not name: the pod named -b is web.1.
        try await psAndLogs(engine, client, app: v1.app)

        // (e) destroy deletes the namespace.
        try await engine.destroy(app: v1.app)
        #expect(try await client.get(.namespace, name: namespace) == nil)
    }

    /// The name of the ConfigMap of `release`'s config vars (it ends in a hash of the content).
    static func configMapName(_ release: Release, _ engine: KubernetesEngine) throws -> String {
        let objects = try KubernetesRenderer(options: engine.configuration.renderOptions).render(release)
        return try #require(objects.first { $0.kind == .configMap && $0.name.hasPrefix("shop-config-") }).name
    }

    /// The ConfigMap a Deployment's pods take their config vars from.
    static func configMapReference(_ client: KubernetesClient, _ deployment: String) async throws -> String? {
        let container = try await client.get(.deployment, name: deployment, namespace: namespace)?[path: "spec", "template", "spec", "containers"]?[0]
        return container?["envFrom"]?.arrayValue?.compactMap { $0[path: "configMapRef", "name"]?.stringValue }.first
    }

    static func makePod(_ client: KubernetesClient, name: String, created: String, ready: Bool, restarts: Int) async throws {
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .string(created), "labels": [
                .init(stringLiteral: Labels.name): "shop", .init(stringLiteral: Labels.managedBy): "slipway",
                .init(stringLiteral: Labels.component): "web", .init(stringLiteral: Labels.version): "v1",
            ]],
            "spec": ["nodeName": "node-b", "containers": [["name": "web", "image": "registry.test/x@sha256:00"]]],
        ]
        _ = try await client.apply(pod)
        let status: JSONValue = ["phase": "Running", "conditions": [["type": "Ready", "status": ready ? "True" : "False"]],
                                 "containerStatuses": [["name": "web", "restartCount": .int(Int64(restarts)), "state": ["running": [:]]]]]
        _ = try await client.mergePatch(.pod, name: name, namespace: namespace, patch: ["status": status], subresource: "status")
    }

    static func psAndLogs(_ engine: KubernetesEngine, _ client: KubernetesClient, app: AppName) async throws {
        try await makePod(client, name: "shop-web-6f7c-b", created: "2026-01-02T03:04:05Z", ready: true, restarts: 0)
        try await makePod(client, name: "shop-web-6f7c-a", created: "2026-01-02T03:09:00Z", ready: false, restarts: 1)
        let replicas = try await engine.replicas(of: app)
        #expect(replicas.map(\.containerId) == ["shop-web-6f7c-b", "shop-web-6f7c-a"])
        #expect(replicas.map(\.index) == [1, 2])
        #expect(replicas.map(\.ready) == [true, false])
        #expect(replicas.map(\.restarts) == [0, 1])
        #expect(replicas.allSatisfy { $0.service == "web" && $0.release == 1 && $0.state == "running" && $0.node == "node-b" })

        // `slipway logs` prefixes each pod's lines as ps names it (kmock answers a pod's log with its JSON).
        let delivered = LogLines()
        let collector = Task { await engine.collectLogs(resumeAfter: { _ in nil }) { _, line in await delivered.append("\(line.process) \(line.text)") } }
        defer { collector.cancel() }
        try await waitUntil("both pods' logs are delivered") {
            let lines = await delivered.lines
            return lines.contains { $0.hasPrefix("web.1 ") } && lines.contains { $0.hasPrefix("web.2 ") }
        }
        let lines = await delivered.lines
        #expect(lines.filter { $0.hasPrefix("web.1 ") }.allSatisfy { $0.contains("shop-web-6f7c-b") }, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("web.2 ") }.allSatisfy { $0.contains("shop-web-6f7c-a") }, "\(lines)")
    }

    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("\(what) did not happen within 10 s")
    }

    @Test func deploymentProgressFromStatus() throws {
        let done: JSONValue = ["metadata": ["generation": 3], "spec": ["replicas": 2],
                               "status": ["observedGeneration": 3, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2]]
        #expect(DeploymentProgress(done) == .complete)
        let oldGeneration: JSONValue = ["metadata": ["generation": 4], "spec": ["replicas": 2],
                                        "status": ["observedGeneration": 3, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2]]
        #expect(DeploymentProgress(oldGeneration) == .progressing)
        let surging: JSONValue = ["spec": ["replicas": 2], "status": ["replicas": 3, "updatedReplicas": 2, "availableReplicas": 2]]
        #expect(DeploymentProgress(surging) == .progressing)
        let noStatus: JSONValue = ["spec": ["replicas": 1]]
        #expect(DeploymentProgress(noStatus) == .progressing)
        let stuck: JSONValue = ["status": ["conditions": [["type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "timed out"]]]]
        #expect(DeploymentProgress(stuck) == .failed("ProgressDeadlineExceeded: timed out"))
    }
}
