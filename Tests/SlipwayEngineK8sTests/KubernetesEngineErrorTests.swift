import Foundation
import KubernetesAPI
import SlipwayCore
@testable import SlipwayEngines
import SlipwayKubernetes
import Testing

/// What a deploy shows when the API server refuses (403, 422), and that a refused apply puts
/// the previous release's objects back. Against a scripted stub server.
@Suite(.serialized) struct KubernetesEngineErrorTests {
    static func engine(_ server: StubAPIServer) throws -> (KubernetesEngine, KubernetesClient) {
        let client = try KubernetesClient(
            configuration: .init(server: server.url, credentials: .init(bearerToken: "t"), userName: "tester", requestTimeout: .seconds(10)),
            logger: testLogger)
        var configuration = KubernetesEngine.Configuration(registry: "registry.test/slipway")
        configuration.readyTimeout = .seconds(5)
        return (KubernetesEngine(client: client, builder: nil, docker: nil, configuration: configuration, logger: testLogger), client)
    }

    @Test func forbiddenNamesVerbAndResource() async throws {
        let server = try await StubAPIServer.start(refuse: ["/namespaces/slipway-shop": (403, "Forbidden",
            #"namespaces "slipway-shop" is forbidden: User "tester" cannot patch resource "namespaces" in API group "" at the cluster scope"#)])
        defer { server.stop() }
        let (engine, client) = try Self.engine(server)
        defer { Task { try? await client.shutdown() } }
        let release = try KubernetesEngineFlowTests.release(version: 1, worker: false)
        let error = await #expect(throws: SlipwayError.self) { try await engine.rollOut(release, previous: nil, log: { _ in }) }
        let message = error?.message ?? ""
        #expect(message.contains("patch on namespaces \"slipway-shop\""), "\(message)")
        #expect(message.contains("cannot patch resource"), "\(message)")
    }

    @Test func invalidObjectShowsTheAPIMessageAndPutsThePreviousReleaseBack() async throws {
        let server = try await StubAPIServer.start(refuse: ["/deployments/shop-web": (422, "Invalid",
            #"Deployment.apps "shop-web" is invalid: spec.template.spec.containers[0].image: Required value"#)])
        defer { server.stop() }
        let (engine, client) = try Self.engine(server)
        defer { Task { try? await client.shutdown() } }
        let v1 = try KubernetesEngineFlowTests.release(version: 1, worker: true)
        let v2 = try KubernetesEngineFlowTests.release(version: 2, worker: true)
        let lines = LogLines()
        let error = await #expect(throws: SlipwayError.self) { try await engine.rollOut(v2, previous: v1, log: lines.sink) }
        let message = error?.message ?? ""
        #expect(message.contains("spec.template.spec.containers[0].image: Required value"), "\(message)")
        #expect(message.contains("patch on deployments.apps \"shop-web\""), "\(message)")
        // v2 was applied up to the refused Deployment, then v1's objects were applied again.
        let patches = server.requests.filter { $0.hasPrefix("PATCH") }
        let firstV1 = try #require(patches.firstIndex { $0.hasSuffix(" v1") })
        #expect(patches[..<firstV1].allSatisfy { $0.hasSuffix(" v2") || $0.hasSuffix(" -") })
        #expect(patches[firstV1...].contains("PATCH /api/v1/namespaces/slipway-shop/configmaps/shop-config v1"))
        #expect(await lines.lines.contains("Applying the objects of v1 again"))
    }
}
