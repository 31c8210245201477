import Foundation
import SlipwayCore
import SlipwayTestSupport
import Testing

/// The reconciler service: it runs the engine's reconcile pass when the engine reports a replica
/// died (and on its timer), and leaves apps a rollout is changing alone.
@Suite("Reconciler")
struct ReconcilerTests {
    @Test("a crashed replica is back, ready, with one restart, as `slipway ps` shows it")
    func crashedReplicaComesBack() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo")
            let before = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
            await server.engine.crash(app: "demo")
            try await server.eventually("the crashed replica restarts") {
                let replicas = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
                return replicas.count == 1 && replicas[0].restarts == 1 && replicas[0].ready
            }
            let after = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
            #expect(after[0].containerId != before[0].containerId)
            #expect(after[0].release == 1)
        }
    }

    @Test("while a rollout holds an app, a crash there waits for the rollout to end")
    func rolloutIsLeftAlone() async throws {
        try await InProcessServer.with { server in
            let engine = server.engine
            _ = try await server.deploy("demo")
            await engine.hold(.commit, app: "demo")
            let trace = try await server.queueDeploy("demo")
            try await server.eventually("the second rollout reaches route") { await engine.isWaiting(at: .commit, app: "demo") }
            await engine.crash(app: "demo")
            // Longer than the reconciler's timer: a pass would have restarted it.
            try await Task.sleep(for: .milliseconds(400))
            let during = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
            #expect(during.first?.state == "exited", "the reconciler touched an app a rollout holds: \(during)")
            await engine.letGo(.commit, app: "demo")
            #expect(try await server.waitForDeploy(trace).status == .completed)
            try await server.eventually("the replica of v2 restarts after the rollout") {
                let replicas = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
                return replicas.first?.state == "running" && replicas.first?.release == 2
            }
        }
    }
}
