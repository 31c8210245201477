import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
@testable import SlipwayEngines
import SlipwayKubernetes
import SlipwayTestSupport
import Testing

/// Turning `autoscale` on for a running service: the first apply without `spec.replicas` is
/// preceded by the documented handover (the live value applied under a second field manager),
/// so server-side apply does not remove the field and drop the Deployment to 1 replica.
/// kmock keeps no managedFields and merges applies (it never drops a field), so this is checked
/// against a scripted server: the requests, in order, with what a real server would answer.
@Suite struct ReplicasHandoverTests {
    static let path = "/apis/apps/v1/namespaces/slipway-shop/deployments/shop-web"

    static func autoscaledDeployment() throws -> KubernetesObject {
        var release = try KubernetesEngineFlowTests.release(version: 2, worker: false)
        release.services[0].autoscale = Autoscale(min: 2, max: 6, cpuPercent: 70)
        return try #require(try KubernetesRenderer().render(release).first { $0.kind == .deployment })
    }

    /// The live Deployment: 3 replicas, `spec.replicas` owned by `owner`'s apply.
    static func live(replicasOwner owner: String) -> ScriptedServer.Response {
        .ok(#"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"shop-web","namespace":"slipway-shop",
             "managedFields":[{"manager":"\#(owner)","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1",
               "fieldsV1":{"f:spec":{"f:replicas":{},"f:template":{}}}}]},
             "spec":{"replicas":3}}
            """#)
    }

    static func apply(_ object: KubernetesObject, answering responses: ScriptedServer.Response...) async throws -> [ScriptedServer.Request] {
        try await withScriptedEngine(answering: responses) { engine in try await engine.apply([object]) }.1
    }

    @Test func switchingToAutoscalingHandsTheReplicasOverFirst() async throws {
        let deployment = try Self.autoscaledDeployment()
        #expect(deployment.body["spec"]?["replicas"] == nil)
        let requests = try await Self.apply(deployment, answering: Self.live(replicasOwner: "slipway"), .ok("{}"), .ok("{}"))
        #expect(requests.map { "\($0.method) \($0.path)" } == ["GET \(Self.path)", "PATCH \(Self.path)", "PATCH \(Self.path)"])
        let handover = requests[1]
        #expect(handover.query["fieldManager"] == "slipway-handover-to-hpa")
        #expect(handover.header("Content-Type") == "application/apply-patch+yaml")
        let body = try JSONValue(jsonData: Data(handover.body))
        #expect(body == [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "shop-web", "namespace": "slipway-shop"], "spec": ["replicas": 3],
        ])
        let apply = requests[2]
        #expect(apply.query["fieldManager"] == "slipway")
        #expect(try JSONValue(jsonData: Data(apply.body))[path: "spec", "replicas"] == nil)
        #expect(try JSONValue(jsonData: Data(apply.body))[path: "spec", "template"] != nil)
    }

    @Test func replicasHandedOverBeforeAreLeftToTheAutoscaler() async throws {
        let requests = try await Self.apply(try Self.autoscaledDeployment(),
                                            answering: Self.live(replicasOwner: "slipway-handover-to-hpa"), .ok("{}"))
        #expect(requests.map { "\($0.method) \($0.path)" } == ["GET \(Self.path)", "PATCH \(Self.path)"])
        #expect(requests[1].query["fieldManager"] == "slipway")
    }

    @Test func aNewAutoscaledDeploymentNeedsNoHandover() async throws {
        let requests = try await Self.apply(try Self.autoscaledDeployment(), answering:
            .status(404, reason: "NotFound", message: #"deployments.apps \"shop-web\" not found"#), .ok("{}"))
        #expect(requests.map { "\($0.method) \($0.path)" } == ["GET \(Self.path)", "PATCH \(Self.path)"])
    }
}
