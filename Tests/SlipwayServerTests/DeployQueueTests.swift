import Crypto
import Foundation
import GRDB
import HTTPTypes
import SlipwayCore
import SlipwaySecrets
@testable import SlipwayStore
import SlipwayTestSupport
import Testing

/// The durable deploy queue: one deploy per app at a time in the order asked for, other apps in
/// parallel, and what a restart does with deploys a killed server left behind.
@Suite("Deploy queue")
struct DeployQueueTests {
    @Test("deploys of one app run one at a time in order; another app's deploy does not wait for them")
    func orderPerApp() async throws {
        try await InProcessServer.with { server in
            let engine = server.engine
            await engine.hold(.run, app: "alpha")
            let alpha1 = try await server.queueDeploy("alpha")
            let alpha2 = try await server.queueDeploy("alpha")
            let beta = try await server.queueDeploy("beta")
            try await server.eventually("alpha's first rollout starts") { await engine.isWaiting(at: .run, app: "alpha") }

            // beta runs on the other worker while alpha's first deploy is held.
            #expect(try await server.waitForDeploy(beta).status == .completed)
            let waiting = try await server.get("/v1/deploys/\(alpha2)").decode(DeployView.self)
            #expect(waiting.status == .inProgress)
            #expect(waiting.stages.allSatisfy { $0.status == .pending }, "alpha's second deploy started early: \(waiting.stages)")

            await engine.letGo(.run, app: "alpha")
            let first = try await server.waitForDeploy(alpha1)
            let second = try await server.waitForDeploy(alpha2)
            #expect(first.release == 1 && second.release == 2)
            #expect(try #require(first.finishedAt) <= second.stages[0].startedAt ?? .distantPast)
            let app = try await server.get("/v1/apps/alpha").decode(AppView.self)
            #expect(app.currentRelease == 2)
            let alphaCalls = await engine.calls.filter { $0.hasSuffix("alpha") || $0.contains(" alpha ") }
            #expect(alphaCalls == ["build alpha", "rollOut alpha v1", "run alpha v1", "commit alpha v1",
                                   "build alpha", "rollOut alpha v2", "run alpha v2", "commit alpha v2"])
            #expect(engine.violations.isEmpty)
        }
    }

    @Test("a queued deploy is cancelled at once: ERROR 'cancelled while queued', nothing built, the deploy before it unaffected; a second cancel is a 409")
    func cancelQueued() async throws {
        try await InProcessServer.with { server in
            let engine = server.engine
            await engine.hold(.run, app: "alpha")
            let first = try await server.queueDeploy("alpha")
            let queued = try await server.queueDeploy("alpha")
            try await server.eventually("alpha's first rollout starts") { await engine.isWaiting(at: .run, app: "alpha") }

            let answer = try await server.request(.delete, "/v1/deploys/\(queued)", headers: [.init("X-Slipway-User")!: "alice"])
            #expect(answer.status == 200, "\(answer.body)")
            let cancelled = try answer.decode(DeployView.self)
            #expect(cancelled.status == .error && cancelled.error == "cancelled while queued by alice")
            #expect(cancelled.stages.allSatisfy { $0.status == .skipped }, "\(cancelled.stages)")
            let again = try await server.request(.delete, "/v1/deploys/\(queued)")
            #expect(again.status == 409 && again.errorCode == "conflict")

            await engine.letGo(.run, app: "alpha")
            #expect(try await server.waitForDeploy(first).status == .completed)
            try await Task.sleep(for: .milliseconds(300))
            let calls = await engine.calls
            #expect(calls.filter { $0 == "build alpha" }.count == 1, "the cancelled deploy ran: \(calls)")
            #expect(try await server.get("/v1/apps/alpha").decode(AppView.self).currentRelease == 1)
            let log = try await server.get("/v1/deploys/\(queued)/log")
            #expect(log.body.contains("cancelled while queued"))
        }
    }

    @Test("after a crash, the deploy that was running ends in ERROR and the queued one runs")
    func restartOverTheSameStore() async throws {
        let data = try DataDirectory()
        defer { data.remove() }
        let directory = data.url
        let snapshot = directory.appendingPathComponent("at-crash.sqlite").path
        let uploads = directory.appendingPathComponent("uploads"), uploadsAtCrash = directory.appendingPathComponent("uploads-at-crash")
        let traceIds = try await InProcessServer.with(store: try data.store("first.sqlite"), dataDirectory: directory) { server in
            let before = server.engine
            await before.hold(.build, app: "alpha")
            let running = try await server.queueDeploy("alpha")
            let queued = try await server.queueDeploy("alpha")
            try await server.eventually("the first deploy reaches build") { await before.isWaiting(at: .build, app: "alpha") }
            // The data directory as a server killed now leaves it (SQLite commits each step).
            try server.store.writer.backup(to: DatabaseQueue(path: snapshot))
            try FileManager.default.copyItem(at: uploads, to: uploadsAtCrash)
            await before.letGo(.build, app: "alpha")
            _ = try await server.waitForDeploy(queued)
            return [running, queued]
        }
        try FileManager.default.removeItem(at: uploads)
        try FileManager.default.moveItem(at: uploadsAtCrash, to: uploads)

        try await InProcessServer.with(store: try data.store("at-crash.sqlite"), dataDirectory: directory) { server in
            let interrupted = try await server.get("/v1/deploys/\(traceIds[0])").decode(DeployView.self)
            #expect(interrupted.status == .error)
            #expect(interrupted.error == "interrupted by server restart")
            #expect(interrupted.stages.map(\.status) == [.completed, .completed, .error, .skipped, .skipped, .skipped])
            #expect(!FileManager.default.fileExists(atPath: uploads.appendingPathComponent("\(traceIds[0]).tar.gz").path),
                    "the interrupted deploy's upload is left behind")
            let resumed = try await server.waitForDeploy(traceIds[1])
            #expect(resumed.status == .completed, "\(resumed.error ?? "")")
            #expect(resumed.release == 1)
            #expect(try await server.get("/v1/apps/alpha").decode(AppView.self).currentRelease == 1)
            #expect(await server.engine.calls == ["build alpha", "rollOut alpha v1", "run alpha v1", "commit alpha v1"])
        }
    }

    @Test("a restart brings back what ran: the current releases are restored into the engine")
    func restartRestoresReleases() async throws {
        let data = try DataDirectory()
        defer { data.remove() }
        try await InProcessServer.with(store: try data.store("slipway.sqlite")) { server in
            try #require(try await server.deploy("demo").status == .completed)
            _ = try await server.change(.patch, "/v1/apps/demo/config", body: #"{"set": {"GREETING": "hi"}}"#)
        }
        try await InProcessServer.with(store: try data.store("slipway.sqlite")) { server in
            #expect(server.engine.current("demo")?.version == 2)
            let replicas = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
            #expect(replicas.map(\.release) == [2], "restore did not bring back the current release's replicas")
            let config = try await server.get("/v1/apps/demo/config").decode(ConfigView.self)
            #expect(config.config["GREETING"] == "hi")
            #expect(try await server.deploy("demo").release == 3)
        }
    }
}

/// A data directory that outlives one server, with the master key its stores are sealed under.
/// A data directory for tests that restart a server over what the first one left (also DomainAPITests).
struct DataDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-restart-\(UUID().uuidString)")
    let cipher = SecretCipher(masterKey: MasterKey(key: .init(size: .bits256)))

    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    /// The SQLite store in file `name`, opened as a starting server opens it.
    func store(_ name: String) throws -> SlipwayStore {
        try SlipwayStore(path: url.appendingPathComponent(name).path, secrets: cipher)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
