import Foundation
import SlipwayCore
import SlipwayTestSupport
import Testing

/// What `GET /v1/deploys/{traceId}` shows for each stage, on success and on a failure at each stage,
/// and that a failed deploy leaves the previous release serving with nothing half-made left.
@Suite("Pipeline: stage records")
struct PipelineStageTests {
    @Test("a deploy records every stage COMPLETED with times and a message, and the app serves its release")
    func success() async throws {
        try await InProcessServer.with { server in
            let deploy = try await server.deploy("demo")
            #expect(deploy.status == .completed)
            #expect(deploy.stages.map(\.name) == ["fetch", "config", "build", "release", "run", "route"])
            for stage in deploy.stages {
                #expect(stage.status == .completed, "\(stage.name): \(stage.status)")
                #expect(stage.startedAt != nil && stage.finishedAt != nil, "\(stage.name)")
                #expect(!(stage.message ?? "").isEmpty, "\(stage.name) has no message")
            }
            #expect(deploy.release == 1)
            let app = try await server.get("/v1/apps/demo").decode(AppView.self)
            #expect(app.currentRelease == 1)
            #expect(app.services.map(\.readyReplicas) == [1])
            #expect(await server.engine.calls == ["build demo", "rollOut demo v1", "run demo v1", "commit demo v1"])
            #expect(server.engine.violations.isEmpty)
            let log = try await server.get("/v1/deploys/\(deploy.traceId)/log")
            #expect(log.status == 200)
            for stage in deploy.stages { #expect(log.body.contains("-----> \(stage.name)"), "log lacks \(stage.name)") }
            #expect(log.body.contains("Deploy completed"))
        }
    }

    @Test("on the Kubernetes engine's stages a deploy also records push and apply")
    func engineDeclaredStages() async throws {
        try await InProcessServer.with(stages: .kubernetes) { server in
            let deploy = try await server.deploy("demo")
            #expect(deploy.status == .completed)
            #expect(deploy.stages.map(\.name) == StageName.kubernetesEngine.map(\.rawValue))
            #expect(deploy.stages.allSatisfy { $0.status == .completed })
            #expect(await server.engine.calls == ["build demo", "push demo", "rollOut demo v1", "apply demo v1", "run demo v1", "commit demo v1"])
        }
    }

    /// A failure at each stage a source deploy runs.
    enum Failure: String, CaseIterable, Sendable {
        case fetch, config, build, push, apply, releaseCommand, rollOut, run, route

        /// The stage that fails: the release phase and taking the rollout are the first rollout stage's.
        var stage: String { self == .releaseCommand || self == .rollOut ? "run" : rawValue }
        var stages: InMemoryEngine.Stages { [.push, .apply].contains(self) ? .kubernetes : .local }
        /// Words the failed stage's message carries.
        var reason: String {
            switch self {
            case .fetch: "the uploaded archive was refused"
            case .config: "slipway.yaml"
            case .releaseCommand: "exited with code 3"
            default: "injected \(rawValue) failure"
            }
        }
    }

    @Test("a failed stage is ERROR with the reason, earlier ones COMPLETED, later ones SKIPPED; v1 keeps serving",
          arguments: Failure.allCases)
    func failureAt(_ failure: Failure) async throws {
        try await InProcessServer.with(stages: failure.stages) { server in
            let first = try await server.deploy("demo", files: SourceTree.withRelease)
            try #require(first.status == .completed)
            let engine = server.engine
            var files = SourceTree.withRelease
            switch failure {
            case .fetch: break
            case .config: files["slipway.yaml"] = "services: 5\n"
            case .releaseCommand: await engine.script("migrate", output: ["no database"], exitCode: 3)
            case .build: await engine.fail(.build, message: failure.reason)
            case .push: await engine.fail(.push, message: failure.reason)
            case .apply: await engine.fail(.apply, message: failure.reason)
            case .rollOut: await engine.fail(.rollOut, message: failure.reason)
            case .run: await engine.fail(.run, message: failure.reason)
            case .route: await engine.fail(.commit, message: failure.reason)
            }
            let deploy: DeployView
            if failure == .fetch {
                // gzip's magic number, then no gzip stream: accepted at the door, refused when unpacked.
                deploy = try await server.waitForDeploy(try await server.upload("demo", Data([0x1f, 0x8b]) + Data(repeating: 7, count: 64)))
            } else {
                deploy = try await server.deploy("demo", files: files)
            }

            #expect(deploy.status == .error)
            #expect(deploy.error?.contains(failure.reason) == true, "\(deploy.error ?? "no error")")
            let failedAt = try #require(deploy.stages.firstIndex { $0.name == failure.stage })
            for (index, stage) in deploy.stages.enumerated() {
                let expected: StageStatus = index < failedAt ? .completed : index == failedAt ? .error : .skipped
                #expect(stage.status == expected, "\(stage.name) is \(stage.status.rawValue), expected \(expected.rawValue)")
            }
            #expect(deploy.stages[failedAt].message?.contains(failure.reason) == true, "\(deploy.stages[failedAt].message ?? "")")
            #expect(deploy.release == nil)

            // What a user sees: v1 serves as before, no v2 is left behind, nothing v2 built is kept.
            let app = try await server.get("/v1/apps/demo").decode(AppView.self)
            #expect(app.currentRelease == 1)
            let replicas = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
            #expect(replicas.count == 3 && replicas.allSatisfy { $0.release == 1 && $0.ready }, "\(replicas)")
            let releases = try await server.get("/v1/apps/demo/releases").decode(ReleaseList.self).releases
            #expect(releases.map(\.version) == [1])
            let kept = await engine.builtImages
            #expect(!kept.contains { $0.contains(deploy.traceId.prefix(8)) }, "images of the failed deploy are kept: \(kept)")
            let violations = engine.violations
            #expect(violations.isEmpty, "\(violations)")
            let log = try await server.get("/v1/deploys/\(deploy.traceId)/log").body
            #expect(log.contains("ERROR: "), "\(log)")
            if failure == .releaseCommand { #expect(log.contains("release | no database")) }
        }
    }
}
