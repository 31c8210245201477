import Foundation
import KubernetesAPI
import KubernetesResources
import Logging
import NIOCore
import SlipwayCore
import SlipwayEngines
import SlipwayKubernetes
import SlipwayTestSupport

let testLogger: Logger = {
    var logger = Logger(label: "SlipwayEnginesTests")
    logger.logLevel = .warning
    return logger
}()

/// Collects deploy log lines.
actor LogLines {
    var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
    var sink: LogSink { { line in await self.append(line) } }
}


/// The kmock emulator, a client of it and an engine on it, with the test's FakeController
/// playing the Deployment and Job controllers in the app's namespace.
struct KmockSetup: Sendable {
    let emulator: KmockEmulator
    let client: KubernetesClient
    let engine: KubernetesEngine
    let controller: FakeController

    /// Runs `body` within `seconds`, then stops everything (also when it throws).
    static func run(_ what: String, seconds: Int = 90, renderOptions: KubernetesRenderOptions = .init(),
                    _ body: @escaping @Sendable (KmockSetup) async throws -> Void) async throws {
        let emulator = try await KmockEmulator.start()
        defer { emulator.stop() }
        let client = try KubernetesClient(
            configuration: .init(server: emulator.url, credentials: .init(bearerToken: "kmock"), namespace: "default", userName: "tester"),
            logger: testLogger)
        var configuration = KubernetesEngine.Configuration(registry: "registry.test/slipway", renderOptions: renderOptions)
        configuration.readyTimeout = .seconds(20)
        configuration.jobTimeout = .seconds(20)
        let engine = KubernetesEngine(client: client, builder: nil, docker: nil, releases: InMemoryCurrentReleases(),
                                      configuration: configuration, logger: testLogger)
        let controller = FakeController(client: client, namespace: KubernetesEngineFlowTests.namespace)
        await controller.start()
        let setup = KmockSetup(emulator: emulator, client: client, engine: engine, controller: controller)
        do {
            try await withTimeout(seconds: seconds, what) { try await body(setup) }
        } catch {
            await controller.stop()
            try? await client.shutdown()
            throw error
        }
        await controller.stop()
        try await client.shutdown()
    }

    /// A whole deploy of `release` as the pipeline runs it: release phase, then the rollout's
    /// steps (apply, run) and commit (prune), or undo when one fails.
    func deploy(_ release: Release, previous: Release?, log: LogLines = LogLines()) async throws {
        if let command = release.releaseCommand {
            let code = try await engine.runOneOff(release, service: nil, command: command, stdin: nil, purpose: .release) { _ in }
            guard code == 0 else { throw TestFailure("the release phase of \(release.label) exited with \(code)") }
        }
        let rollout = try await engine.rollOut(release, previous: previous, log: log.sink)
        do {
            for stage in engine.rolloutStages { _ = try await rollout.perform(stage) }
            try await rollout.commit()
        } catch {
            await rollout.undo()
            throw error
        }
    }

    /// The controller reports every Deployment as stuck (ProgressDeadlineExceeded) or rolled out.
    func setStuck(_ stuck: Bool) async throws {
        await controller.setStuck(stuck)
        let client = client
        try await KubernetesEngineFlowTests.waitUntil("the controller reports \(stuck ? "a stuck" : "a finished") rollout") {
            let status = try await client.get(.deployment, name: "shop-web", namespace: KubernetesEngineFlowTests.namespace)?["status"]
            return (status?["conditions"]?[0]?["reason"]?.stringValue == "ProgressDeadlineExceeded") == stuck
        }
    }
}

/// Runs `body` with an engine on a scripted API server answering `responses` in order; returns
/// its result and the requests the server saw.
func withScriptedEngine<T>(answering responses: [ScriptedServer.Response],
                           _ body: (KubernetesEngine) async throws -> T) async throws -> (T, [ScriptedServer.Request]) {
    let server = try await ScriptedServer()
    let client = try KubernetesClient(
        configuration: .init(server: server.url, credentials: .init(bearerToken: "t"), userName: "tester", requestTimeout: .seconds(10)),
        logger: testLogger)
    let engine = KubernetesEngine(client: client, builder: nil, docker: nil, releases: InMemoryCurrentReleases(),
                                  configuration: .init(registry: "registry.test/slipway"), logger: testLogger)
    for response in responses { server.script(response) }
    let result: Result<T, any Error>
    do {
        result = .success(try await body(engine))
    } catch {
        result = .failure(error)
    }
    try? await client.shutdown()
    try? await server.stop()
    return (try result.get(), server.requests)
}
