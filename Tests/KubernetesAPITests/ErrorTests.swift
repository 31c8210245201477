import KubernetesAPI
import KubernetesResources
import NIOHTTP1
import SlipwayTestSupport
import NIOCore
import NIOPosix
import Testing
import TestPorts

/// Error answers (Status bodies) and transport failures become errors that say which verb
/// on which resource failed, the API's message, and what to do.
@Suite struct ErrorTests {
    let deployment: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"]]

    @Test func unauthorizedNamesTheKubeconfigUser() async throws {
        try await withServer { server, client in
            server.script(.status(401, reason: "Unauthorized", message: "Unauthorized"))
            let error = await #expect(throws: KubernetesAPIError.self) { try await client.apply(deployment) }
            #expect(error?.kind == .unauthorized)
            #expect(error?.statusCode == 401)
            #expect(error?.description.hasPrefix(#"the cluster did not accept the credentials of user "alice" in the kubeconfig"#) == true)
        }
    }

    @Test func forbiddenSaysWhichVerbOnWhichResource() async throws {
        try await withServer { server, client in
            let message = #"deployments.apps \"web\" is forbidden: User \"system:serviceaccount:ci:slipway\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"slipway-shop\""#
            server.script(.status(403, reason: "Forbidden", message: message, details: #"{"name":"web","group":"apps","kind":"deployments"}"#))
            let error = await #expect(throws: KubernetesAPIError.self) { try await client.apply(deployment) }
            #expect(error?.kind == .forbidden)
            #expect(error?.status?.reason == "Forbidden")
            #expect(error?.status?.details?.name == "web")
            #expect(error?.operation?.verb == "patch")
            #expect(
                error?.description.hasPrefix(
                    #"the cluster forbids patch on deployments.apps "web" in namespace slipway-shop: deployments.apps "web" is forbidden: User "system:serviceaccount:ci:slipway" cannot patch"#
                ) == true)
            #expect(error?.description.contains("RBAC") == true)
        }
    }

    @Test func invalidListsEveryCause() async throws {
        try await withServer { server, client in
            let details = #"{"name":"web","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.template.spec.containers"},{"reason":"FieldValueInvalid","message":"Invalid value: map[string]string{}: empty selector is invalid for deployment","field":"spec.selector"}]}"#
            server.script(.status(422, reason: "Invalid", message: #"Deployment.apps \"web\" is invalid: spec.template.spec.containers: Required value"#, details: details))
            let error = await #expect(throws: KubernetesAPIError.self) { try await client.apply(deployment) }
            #expect(error?.kind == .invalid)
            #expect(error?.status?.details?.causes?.count == 2)
            #expect(error?.description == """
                the cluster rejected patch on deployments.apps "web" in namespace slipway-shop as invalid: Deployment.apps "web" is invalid: spec.template.spec.containers: Required value
                  spec.template.spec.containers: Required value
                  spec.selector: Invalid value: map[string]string{}: empty selector is invalid for deployment
                """)
        }
    }

    @Test func notFoundAndConflictAndOtherStatuses() async throws {
        try await withServer { server, client in
            server.script(
                .status(404, reason: "NotFound", message: #"namespaces \"nope\" not found"#),
                .status(409, reason: "Conflict", message: "Apply failed with 1 conflict"),
                .json(.internalServerError, "etcd is sad"))
            let notFound = await #expect(throws: KubernetesAPIError.self) { try await client.apply(deployment, namespace: "nope") }
            #expect(notFound?.kind == .notFound)
            #expect(notFound?.description == #"patch on deployments.apps "web" in namespace nope failed: not found: namespaces "nope" not found"#)
            let conflict = await #expect(throws: KubernetesAPIError.self) {
                try await client.mergePatch(.deployment, name: "web", patch: ["spec": ["replicas": 3]])
            }
            #expect(conflict?.kind == .conflict)
            let other = await #expect(throws: KubernetesAPIError.self) { try await client.list(.secret, namespace: "slipway-shop") }
            #expect(other?.kind == .otherStatus)
            #expect(other?.description == "list on secrets in namespace slipway-shop failed with HTTP 500: etcd is sad")
        }
    }

    @Test func unreachableNamesHostAndPort() async throws {
        // A port that was free a moment ago: nothing listens there.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: TestPorts.next()).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        let client = try KubernetesClient(
            configuration: .init(server: "http://127.0.0.1:\(port)", userName: "alice", connectTimeout: .seconds(1)), logger: testLogger)
        let error = await #expect(throws: KubernetesAPIError.self) { try await client.get(.namespace, name: "default") }
        try await client.shutdown()
        #expect(error?.kind == .unreachable)
        #expect(error?.description.hasPrefix("cannot reach the Kubernetes API at 127.0.0.1:\(port) (get on namespaces \"default\"): ") == true)
    }
}
