import Foundation
import KubernetesAPI
import KubernetesResources
import NIOHTTP1
import SlipwayTestSupport
import Testing

/// What the client puts on the wire, against a scripted server: methods, paths, query items,
/// content types, the bearer token and bodies, and how error Status answers become errors.
@Suite struct WireContractTests {
    let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "web", "namespace": "slipway-shop", "labels": ["app.kubernetes.io/managed-by": "slipway"]],
        "spec": ["replicas": 2, "selector": ["matchLabels": ["app.kubernetes.io/name": "shop"]]],
    ]

    @Test func serverSideApplyPatchesWithApplyContentTypeFieldManagerAndForce() async throws {
        try await withServer { server, client in
            var applied = deployment
            applied["metadata"]?["resourceVersion"] = "4711"
            server.script(.json(.ok, applied.jsonString))

            let answer = try await client.apply(deployment)

            #expect(answer.resourceVersion == "4711")
            let request = try #require(server.requests.first)
            #expect(request.method == "PATCH")
            #expect(request.path == "/apis/apps/v1/namespaces/slipway-shop/deployments/web")
            #expect(request.query == ["fieldManager": "slipway", "force": "true"])
            #expect(request.header("Content-Type") == "application/apply-patch+yaml")
            #expect(request.header("Authorization") == "Bearer s3cr3t-token")
            #expect(request.header("Accept") == "application/json")
            #expect(try JSONValue(request.bodyJSON) == deployment)
        }
    }

    @Test func dryRunApplyAddsDryRunAll() async throws {
        try await withServer { server, client in
            server.script(.json(.ok, deployment.jsonString))
            _ = try await client.apply(deployment, dryRun: true)
            let request = try #require(server.requests.first)
            #expect(request.method == "PATCH")
            #expect(request.query == ["fieldManager": "slipway", "force": "true", "dryRun": "All"])
            #expect(request.header("Content-Type") == "application/apply-patch+yaml")
        }
    }

    @Test func applyOfClusterScopedAndCoreKindsUsesTheirPaths() async throws {
        try await withServer { server, client in
            let namespace: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "slipway-shop"]]
            let service: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"]]
            let hpa: JSONValue = ["apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web"]]
            server.script(.json(.ok, namespace.jsonString), .json(.ok, service.jsonString), .json(.ok, hpa.jsonString))
            _ = try await client.apply(namespace)
            _ = try await client.apply(service, namespace: "other")
            _ = try await client.apply(hpa)
            #expect(server.requests.map(\.path) == [
                "/api/v1/namespaces/slipway-shop",
                "/api/v1/namespaces/other/services/web",
                "/apis/autoscaling/v2/namespaces/slipway-shop/horizontalpodautoscalers/web",
            ])
        }
    }

    @Test func applyOfAnUnknownKindFailsBeforeSending() async throws {
        try await withServer { server, client in
            let error = await #expect(throws: KubernetesAPIError.self) {
                try await client.apply(["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"]])
            }
            #expect(error?.kind == .unknownKind)
            #expect(error?.description.contains("Widget") == true)
            #expect(server.requests.isEmpty)
        }
    }

    @Test func getReturnsTheObjectOrNilOn404() async throws {
        try await withServer { server, client in
            server.script(
                .json(.ok, deployment.jsonString),
                .status(404, reason: "NotFound", message: #"deployments.apps \"gone\" not found"#, details: #"{"name":"gone","group":"apps","kind":"deployments"}"#))
            let found = try await client.get(.deployment, name: "web")
            let gone = try await client.get(.deployment, name: "gone", namespace: "slipway-shop")
            #expect(found == deployment)
            #expect(gone == nil)
            #expect(server.requests.map(\.method) == ["GET", "GET"])
            #expect(server.requests.map(\.path) == [
                "/apis/apps/v1/namespaces/slipway-shop/deployments/web", "/apis/apps/v1/namespaces/slipway-shop/deployments/gone",
            ])
        }
    }

    @Test func listSendsSelectorsAndFollowsContinueTokens() async throws {
        try await withServer { server, client in
            server.script(
                .json(.ok, #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"page2"},"items":[{"metadata":{"name":"a"}}]}"#),
                .json(.ok, #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"11"},"items":[{"metadata":{"name":"b"}}]}"#))
            let list = try await client.list(
                .pod, namespace: "slipway-shop",
                options: ListOptions(labelSelector: "app.kubernetes.io/name=shop,tier in (web,worker)", fieldSelector: "status.phase=Running"))
            #expect(list.items.compactMap(\.metadataName) == ["a", "b"])
            #expect(list.resourceVersion == "11")
            let requests = server.requests
            #expect(requests.map(\.path) == ["/api/v1/namespaces/slipway-shop/pods", "/api/v1/namespaces/slipway-shop/pods"])
            #expect(requests[0].query == ["labelSelector": "app.kubernetes.io/name=shop,tier in (web,worker)", "fieldSelector": "status.phase=Running"])
            #expect(requests[1].query["continue"] == "page2")
            // Selectors are percent-encoded on the wire.
            #expect(requests[0].uri.contains("labelSelector=app.kubernetes.io%2Fname%3Dshop%2Ctier%20in%20%28web%2Cworker%29"))
        }
    }

    @Test func listAcrossAllNamespaces() async throws {
        try await withServer { server, client in
            server.script(.json(.ok, #"{"kind":"DeploymentList","metadata":{},"items":[]}"#))
            let list = try await client.list(.deployment, namespace: nil)
            #expect(list.items.isEmpty)
            #expect(server.requests.first?.path == "/apis/apps/v1/deployments")
        }
    }

    @Test func deleteSendsDeleteOptionsAndTreats404AsGone() async throws {
        try await withServer { server, client in
            server.script(
                .json(.ok, #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"shop","kind":"namespaces"}}"#),
                .status(404, reason: "NotFound", message: #"jobs.batch \"migrate\" not found"#))
            let existed = try await client.delete(.namespace, name: "slipway-shop", propagationPolicy: .foreground)
            let existedToo = try await client.delete(.job, name: "migrate")
            #expect(existed)
            #expect(existedToo == false)
            let requests = server.requests
            #expect(requests.map(\.method) == ["DELETE", "DELETE"])
            #expect(requests.map(\.path) == ["/api/v1/namespaces/slipway-shop", "/apis/batch/v1/namespaces/slipway-shop/jobs/migrate"])
            #expect(requests[0].header("Content-Type") == "application/json")
            let bodies = try requests.map { try JSONValue($0.bodyJSON) }
            #expect(bodies[0] == ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Foreground"])
            #expect(bodies[1]["propagationPolicy"] == "Background")
        }
    }

    @Test func mergePatchOfTheStatusSubresource() async throws {
        try await withServer { server, client in
            server.script(.json(.ok, deployment.jsonString))
            let patch: JSONValue = ["status": ["observedGeneration": 2, "readyReplicas": 2, "availableReplicas": 2]]
            _ = try await client.mergePatch(.deployment, name: "web", patch: patch, subresource: "status")
            let request = try #require(server.requests.first)
            #expect(request.method == "PATCH")
            #expect(request.path == "/apis/apps/v1/namespaces/slipway-shop/deployments/web/status")
            #expect(request.header("Content-Type") == "application/merge-patch+json")
            #expect(request.query["fieldManager"] == "slipway")
            #expect(try JSONValue(request.bodyJSON) == patch)
        }
    }

    @Test func createPostsToTheCollection() async throws {
        try await withServer { server, client in
            server.script(.status(409, reason: "AlreadyExists", message: #"deployments.apps \"web\" already exists"#))
            let error = await #expect(throws: KubernetesAPIError.self) { try await client.create(deployment) }
            #expect(error?.kind == .conflict)
            #expect(error?.description == #"create on deployments.apps "web" in namespace slipway-shop failed with a conflict: deployments.apps "web" already exists"#)
            #expect(server.requests.first?.method == "POST")
            #expect(server.requests.first?.path == "/apis/apps/v1/namespaces/slipway-shop/deployments")
        }
    }
}
