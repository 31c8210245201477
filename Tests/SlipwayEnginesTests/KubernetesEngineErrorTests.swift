import Foundation
import KubernetesAPI
import NIOCore
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
        return (KubernetesEngine(client: client, builder: nil, docker: nil, releases: InMemoryCurrentReleases(), configuration: configuration, logger: testLogger), client)
    }

    @Test func forbiddenNamesVerbAndResource() async throws {
        let server = try await StubAPIServer.start(refuse: ["/namespaces/slipway-shop": (403, "Forbidden",
            #"namespaces "slipway-shop" is forbidden: User "tester" cannot patch resource "namespaces" in API group "" at the cluster scope"#)])
        defer { server.stop() }
        let (engine, client) = try Self.engine(server)
        defer { Task { try? await client.shutdown() } }
        let release = try KubernetesEngineFlowTests.release(version: 1, worker: false)
        let error = await #expect(throws: SlipwayError.self) { _ = try await engine.apply(release, previous: nil, log: { _ in }) }
        let message = error?.message ?? ""
        #expect(message.contains("patch on namespaces \"slipway-shop\""), "\(message)")
        #expect(message.contains("cannot patch resource"), "\(message)")
    }

    static let invalidImage = (422, "Invalid", #"Deployment.apps "shop-web" is invalid: spec.template.spec.containers[0].image: Required value"#)

    /// The dry run of every object comes first: a Deployment admission refuses leaves every
    /// object of v1 as it was (the Namespace, which exists, is dry-run too).
    @Test func objectRefusedInTheDryRunChangesNothing() async throws {
        let server = try await StubAPIServer.start(refuse: ["/deployments/shop-web": Self.invalidImage])
        defer { server.stop() }
        let (engine, client) = try Self.engine(server)
        defer { Task { try? await client.shutdown() } }
        let v1 = try KubernetesEngineFlowTests.release(version: 1, worker: true)
        let v2 = try KubernetesEngineFlowTests.release(version: 2, worker: true)
        let lines = LogLines()
        let error = await #expect(throws: SlipwayError.self) { _ = try await engine.apply(v2, previous: v1, log: lines.sink) }
        let message = error?.message ?? ""
        #expect(message.contains("spec.template.spec.containers[0].image: Required value"), "\(message)")
        #expect(message.contains("patch on deployments.apps \"shop-web\""), "\(message)")
        let patches = server.requests.filter { $0.hasPrefix("PATCH") }
        #expect(patches.first == "PATCH /api/v1/namespaces/slipway-shop v2 dry-run")
        #expect(patches.allSatisfy { $0.hasSuffix(" dry-run") }, "\(patches)")
        // The objects before the refused one were checked, none after it.
        let v2Config = try KubernetesEngineFlowTests.configMapName(v2, engine)
        #expect(patches.contains("PATCH /api/v1/namespaces/slipway-shop/configmaps/\(v2Config) v2 dry-run"))
        #expect(!patches.contains { $0.contains("/services/") })
        #expect(await lines.lines.contains { $0.contains("nothing was changed") })
    }

    /// A refusal only the real apply meets (a webhook that changed its mind, a quota): what was
    /// applied of v2 before it is put back to v1's objects.
    @Test func objectRefusedInTheRealApplyPutsThePreviousReleaseBack() async throws {
        let server = try await StubAPIServer.start(refuse: ["/deployments/shop-web": Self.invalidImage], dryRunsPass: true)
        defer { server.stop() }
        let (engine, client) = try Self.engine(server)
        defer { Task { try? await client.shutdown() } }
        let v1 = try KubernetesEngineFlowTests.release(version: 1, worker: true)
        let v2 = try KubernetesEngineFlowTests.release(version: 2, worker: true)
        let lines = LogLines()
        let error = await #expect(throws: SlipwayError.self) { _ = try await engine.apply(v2, previous: v1, log: lines.sink) }
        let message = error?.message ?? ""
        #expect(message.contains("spec.template.spec.containers[0].image: Required value"), "\(message)")
        // v2 was applied up to the refused Deployment, then v1's objects were applied again.
        let patches = server.requests.filter { $0.hasPrefix("PATCH") && !$0.hasSuffix(" dry-run") }
        let firstV1 = try #require(patches.firstIndex { $0.hasSuffix(" v1") })
        #expect(patches[..<firstV1].allSatisfy { $0.hasSuffix(" v2") || $0.hasSuffix(" -") })
        let (v1Config, v2Config) = (try KubernetesEngineFlowTests.configMapName(v1, engine), try KubernetesEngineFlowTests.configMapName(v2, engine))
        #expect(patches[..<firstV1].contains("PATCH /api/v1/namespaces/slipway-shop/configmaps/\(v2Config) v2"))
        #expect(patches[firstV1...].contains("PATCH /api/v1/namespaces/slipway-shop/configmaps/\(v1Config) v1"))
        #expect(await lines.lines.contains("Applying the objects of v1 again"))
    }
}

/// Issue 14: a release whose service tolerates every taint (its pods could land on control-plane
/// nodes) is refused before anything reaches the cluster, and v1 stays as it was.
@Suite(.serialized) struct TolerationOfEveryTaintTests {
    @Test func toleratingEveryTaintIsRefusedBeforeAnyRequest() async throws {
        let server = try await StubAPIServer.start(refuse: [:])
        defer { server.stop() }
        let (engine, client) = try KubernetesEngineErrorTests.engine(server)
        defer { Task { try? await client.shutdown() } }
        let v1 = try KubernetesEngineFlowTests.release(version: 1, worker: false)
        var v2 = try KubernetesEngineFlowTests.release(version: 2, worker: false)
        v2.services[0].tolerations = [Toleration(operator: .exists)]
        let error = await #expect(throws: SlipwayError.self) { _ = try await engine.apply(v2, previous: v1, log: { _ in }) }
        #expect(error?.message.contains("service web of shop tolerates every taint") == true, "\(String(describing: error))")
        #expect(server.requests.filter { !$0.hasPrefix("GET") }.isEmpty, "nothing was applied: \(server.requests)")
    }
}
