import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
@testable import SlipwayEngines
import SlipwayKubernetes
import SlipwayTestSupport
import Testing

/// A release's config objects are its own (named by content, immutable), against kmock: the
/// release phase of a new release does not change what the running pods read, a failed
/// rollout leaves the old pods' config as it was, and a prune keeps the previous release's.
@Suite(.serialized) struct KubernetesEngineConfigTests {
    static let namespace = KubernetesEngineFlowTests.namespace

    static func release(_ version: Int) throws -> Release {
        try KubernetesEngineFlowTests.release(version: version, worker: false)  // config MODE=vN, release command ./migrate
    }

    @Test func runningPodsKeepTheirConfigUntilTheNewReleaseServes() async throws {
        try await KmockSetup.run("the per-release config flow") { kmock in
            let client = kmock.client
            func configMap(_ name: String) async throws -> JSONValue? { try await client.get(.configMap, name: name, namespace: Self.namespace) }
            func name(_ release: Release) throws -> String { try KubernetesEngineFlowTests.configMapName(release, kmock.engine) }
            func servedConfig() async throws -> String? { try await KubernetesEngineFlowTests.configMapReference(client, "shop-web") }

            let (v1, v2, v3, v4) = (try Self.release(1), try Self.release(2), try Self.release(3), try Self.release(4))
            try await kmock.deploy(v1, previous: nil)
            #expect(try await servedConfig() == (try name(v1)))
            #expect(try await configMap(try name(v1))?["immutable"]?.boolValue == true)

            // v2's release phase applies v2's config beside v1's: v1's pods read what they did.
            _ = try await kmock.engine.runOneOff(v2, service: nil, command: ["./migrate"], stdin: nil, purpose: .release) { _ in }
            #expect(try await configMap(try name(v2))?[path: "data", "MODE"]?.stringValue == "v2")
            #expect(try await configMap(try name(v1))?[path: "data", "MODE"]?.stringValue == "v1")
            #expect(try await servedConfig() == (try name(v1)))

            // v2's rollout fails: v1 serves with its config, v2's is gone.
            try await kmock.setStuck(true)
            _ = try await kmock.engine.apply(v2, previous: v1, log: { _ in })
            await #expect(throws: SlipwayError.self) { try await kmock.engine.waitForRollout(v2, previous: v1, log: { _ in }) }
            #expect(try await servedConfig() == (try name(v1)))
            #expect(try await configMap(try name(v1))?[path: "data", "MODE"]?.stringValue == "v1")
            #expect(try await configMap(try name(v2)) == nil)
            try await kmock.setStuck(false)

            // v3, then v4: v3's config (the previous release's) stays for a rollback, v1's goes.
            try await kmock.deploy(v3, previous: v1)
            #expect(try await configMap(try name(v1)) != nil)
            try await kmock.deploy(v4, previous: v3)
            #expect(try await servedConfig() == (try name(v4)))
            #expect(try await configMap(try name(v3)) != nil)
            #expect(try await configMap(try name(v1)) == nil)
        }
    }

    static let refusedDeployment = (code: 422, reason: "Invalid",
                                    message: #"Deployment.apps "shop-web" is invalid: spec.template.spec.containers[0].image: Required value"#)

    /// A first deploy refused in its release phase (the dry run) or whose release command fails
    /// leaves no namespace behind; a namespace that was there before is left as it is.
    @Test func aFailedFirstDeployRemovesTheNamespaceItMade() async throws {
        try await KmockSetup.run("the failed first deploy") { kmock in
            let client = kmock.client
            try kmock.emulator.refuse(["/deployments/shop-web": Self.refusedDeployment])
            let v1 = try Self.release(1)
            let error = await #expect(throws: SlipwayError.self) {
                _ = try await kmock.engine.runOneOff(v1, service: nil, command: ["./migrate"], stdin: nil, purpose: .release) { _ in }
            }
            #expect(error?.message.contains("spec.template.spec.containers[0].image: Required value") == true, "\(error?.message ?? "")")
            #expect(try await client.get(.namespace, name: Self.namespace) == nil)

            _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Self.namespace)]])
            await #expect(throws: SlipwayError.self) {
                _ = try await kmock.engine.runOneOff(v1, service: nil, command: ["./migrate"], stdin: nil, purpose: .release) { _ in }
            }
            #expect(try await client.get(.namespace, name: Self.namespace) != nil, "a namespace this deploy did not make stays")

            // A release command that fails (exit code 3) removes it too.
            try await kmock.engine.destroy(app: v1.app)
            try kmock.emulator.refuse([:])
            await kmock.controller.setJobsFail(true)
            let code = try await kmock.engine.runOneOff(v1, service: nil, command: ["./migrate"], stdin: nil, purpose: .release) { _ in }
            #expect(code == 3)
            #expect(try await client.get(.namespace, name: Self.namespace) == nil)
            await kmock.controller.setJobsFail(false)
            try kmock.emulator.refuse(["/deployments/shop-web": Self.refusedDeployment])

            // Without a release phase the apply stage's dry run is the first check: the same holds.
            try await kmock.engine.destroy(app: v1.app)
            var noPhase = v1
            noPhase.releaseCommand = nil
            let lines = LogLines()
            await #expect(throws: SlipwayError.self) { _ = try await kmock.engine.apply(noPhase, previous: nil, log: lines.sink) }
            let logged = await lines.lines
            #expect(try await client.get(.namespace, name: Self.namespace) == nil, "\(logged)")
            #expect(logged.contains { $0.contains("deleting namespace slipway-shop, which this deploy created") }, "\(logged)")
        }
    }
}
