import Foundation
import KubernetesAPI
import KubernetesResources
import NIOCore
import SlipwayCore
@testable import SlipwayEngines
import SlipwayKubernetes
import Testing

/// Pure parts of the Kubernetes engine: pods as replicas, Job outcomes, times, errors.
@Suite struct KubernetesEngineUnitTests {
    static func pod(_ name: String, component: String, version: String, phase: String, ready: Bool, restarts: Int,
                    waiting: String? = nil, node: String? = "node-a", extraLabels: [String: String] = [:]) -> JSONValue {
        var labels: [String: JSONValue] = [
            Labels.name: "shop", Labels.managedBy: "slipway", Labels.component: .string(component), Labels.version: .string(version),
        ]
        for (key, value) in extraLabels { labels[key] = .string(value) }
        var state: JSONValue = ["running": ["startedAt": "2026-01-02T03:04:05Z"]]
        if let waiting { state = ["waiting": ["reason": .string(waiting)]] }
        var spec: [String: JSONValue] = [:]
        if let node { spec["nodeName"] = .string(node) }
        return [
            "metadata": ["name": .string(name), "namespace": "slipway-shop", "labels": .object(labels)],
            "spec": .object(spec),
            "status": [
                "phase": .string(phase), "startTime": "2026-01-02T03:04:05Z",
                "conditions": [["type": "Ready", "status": ready ? "True" : "False"]],
                "containerStatuses": [["name": "web", "restartCount": .int(Int64(restarts)), "state": state]],
            ],
        ]
    }

    @Test func podsAreReplicas() {
        let pods = [
            Self.pod("shop-web-5d9f-b", component: "web", version: "v2", phase: "Running", ready: true, restarts: 0),
            Self.pod("shop-web-5d9f-a", component: "web", version: "v2", phase: "Running", ready: false, restarts: 3, waiting: "CrashLoopBackOff"),
            Self.pod("shop-worker-77-x", component: "worker", version: "v2", phase: "Pending", ready: false, restarts: 0, node: nil),
            Self.pod("shop-release-v2-q", component: "release", version: "v2", phase: "Succeeded", ready: false, restarts: 0,
                     extraLabels: ["job-name": "shop-release-v2"]),
        ]
        let views = KubernetesEngine.replicaViews(pods)
        #expect(views.map(\.containerId) == ["shop-web-5d9f-a", "shop-web-5d9f-b", "shop-worker-77-x"])
        #expect(views.map(\.index) == [1, 2, 1])
        #expect(views.map(\.state) == ["crashloop", "running", "pending"])
        #expect(views.map(\.ready) == [false, true, false])
        #expect(views.map(\.restarts) == [3, 0, 0])
        #expect(views.map(\.node) == ["node-a", "node-a", nil])
        #expect(views.allSatisfy { $0.release == 2 && $0.hostPort == nil })
        #expect(views[0].startedAt == Date(timeIntervalSince1970: 1_767_323_045))
    }

    @Test func jobOutcomes() {
        #expect(JobOutcome(["status": ["active": 1]]) == nil)
        #expect(JobOutcome(["status": ["succeeded": 1]]) == .succeeded)
        #expect(JobOutcome(["status": ["conditions": [["type": "Complete", "status": "True"]]]]) == .succeeded)
        #expect(JobOutcome(["status": ["failed": 1, "conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                                                    "message": "Job has reached the specified backoff limit"]]]])
                == .failed("Job has reached the specified backoff limit"))
    }

    @Test func apiTimesWithAndWithoutFractions() {
        #expect(KubernetesEngine.parseTime("2026-01-02T03:04:05Z") == Date(timeIntervalSince1970: 1_767_323_045))
        let precise = KubernetesEngine.parseTime("2026-01-02T03:04:05.250000000Z")
        #expect(precise == Date(timeIntervalSince1970: 1_767_323_045.25))
        #expect(KubernetesEngine.parseTime("yesterday") == nil)
    }

    @Test func runJobsAreRenamed() throws {
        let release = try KubernetesEngineFlowTests.release(version: 4, worker: false)
        let job = try #require(try KubernetesRenderer().render(release).first { $0.kind == .job })
        let renamed = KubernetesEngine.renamed(job, to: "shop-run-12345")
        #expect(renamed.name == "shop-run-12345")
        #expect(try renamed.jsonValue().metadataName == "shop-run-12345")
        #expect(try renamed.jsonValue()[path: "spec", "template"] == job.jsonValue()[path: "spec", "template"])
    }

    /// A cluster nobody answers for: the deploy's error says so, naming the operation.
    @Test func unreachableClusterIsAClearDeployError() async throws {
        let client = try KubernetesClient(
            configuration: .init(server: "http://127.0.0.1:9", credentials: .init(bearerToken: "x"), userName: "tester",
                                 requestTimeout: .seconds(5), connectTimeout: .seconds(2)),
            logger: testLogger)
        let engine = KubernetesEngine(client: client, builder: nil, docker: nil, releases: InMemoryCurrentReleases(),
                                      configuration: .init(registry: "registry.test/slipway"), logger: testLogger)
        let release = try KubernetesEngineFlowTests.release(version: 1, worker: false)
        do {
            _ = try await engine.apply(release, previous: nil, log: { _ in })
            Issue.record("an apply to an unreachable cluster should fail")
        } catch let error as SlipwayError {
            #expect(error.message.contains("checking the objects of v1 of shop"), "\(error.message)")
            #expect(error.message.contains("cannot reach the Kubernetes API at 127.0.0.1:9"), "\(error.message)")
            #expect(error.message.contains("on namespaces \"slipway-shop\""), "\(error.message)")  // the first request: is the namespace there?
        }
        try await client.shutdown()
    }
}
