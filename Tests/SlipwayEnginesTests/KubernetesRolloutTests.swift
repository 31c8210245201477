import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
@testable import SlipwayEngines
import SlipwayTestSupport
import Testing

/// The rollout handle on Kubernetes against kmock: its steps run in the engine's order only,
/// `commit` records the release as current, and `undo` after `apply` puts the previous release's
/// objects back without recording anything.
@Suite(.serialized) struct KubernetesRolloutTests {
    @Test func commitRecordsTheReleaseAndUndoPutsThePreviousBack() async throws {
        try await KmockSetup.run("the rollout handle") { kmock in
            let (engine, client) = (kmock.engine, kmock.client)
            var v1 = try KubernetesEngineFlowTests.release(version: 1, worker: false)
            v1.releaseCommand = nil
            var v2 = try KubernetesEngineFlowTests.release(version: 2, worker: false)
            v2.releaseCommand = nil
            #expect(engine.rolloutStages == [.apply, .run])
            #expect(engine.deployStages == StageName.kubernetesEngine)

            let first = try await engine.rollOut(v1, previous: nil, log: { _ in })
            await #expect(throws: SlipwayError.self, "run before apply") { _ = try await first.perform(.run) }
            _ = try await first.perform(.apply)
            #expect(try await first.perform(.run) == "2 replicas of v1 ready")
            #expect(try engine.releases.currentReleases().isEmpty, "nothing is current before commit")
            try await first.commit()
            #expect(try engine.releases.currentReleases().map(\.version) == [1])

            let second = try await engine.rollOut(v2, previous: v1, log: { _ in })
            _ = try await second.perform(.apply)
            let applied = try await client.get(.deployment, name: "shop-web", namespace: KubernetesEngineFlowTests.namespace)
            #expect(applied?.labels[Labels.version] == "v2")
            await second.undo()
            let back = try await client.get(.deployment, name: "shop-web", namespace: KubernetesEngineFlowTests.namespace)
            #expect(back?.labels[Labels.version] == "v1")
            #expect(try engine.releases.currentReleases().map(\.version) == [1], "an undone rollout records nothing")
            try await engine.destroy(app: v1.app)
        }
    }
}
