import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SlipwayCore
import SlipwayEngines
import SlipwayRouter
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport

/// The server in one process, without a socket or a container engine: the API's router driven by
/// HummingbirdTesting's `.router` client, with the deploy workers, the event log, the app log hub
/// and the reconciler running as the application's services, over `InMemoryEngine` (the engine
/// test double) and a real SQLite store (in memory, or a file when a test restarts the server).
struct InProcessServer: Sendable {
    let engine: InMemoryEngine
    let store: SlipwayStore
    let configuration: ServerConfiguration
    /// The router's table as the server fills it (custom hosts, maintenance pages); no router listens.
    let routeTable: RouteTable
    let client: any TestClientProtocol
    /// What the API's router serves, as "METHOD /path/:param".
    let routes: [String]
    /// Sent with every request (an API token, once configured).
    var headers: HTTPFields = [:]

    static let logger: Logger = {
        var logger = Logger(label: "SlipwayServerTests")
        logger.logLevel = .critical
        return logger
    }()

    /// Starts a server over a new `InMemoryEngine` declaring `stages`, runs `test` against it, and
    /// stops it. `dataDirectory` and `store` let a test start a second server over what the first
    /// left (a restart).
    @discardableResult
    static func with<Value: Sendable>(stages: InMemoryEngine.Stages = .local, store: SlipwayStore? = nil, dataDirectory: URL? = nil,
                                      configure: (inout ServerConfiguration) -> Void = { _ in },
                                      _ test: @Sendable (InProcessServer) async throws -> Value) async throws -> Value {
        let directory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("slipway-inproc-\(UUID().uuidString)")
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(at: directory) } }
        var configuration = ServerConfiguration(dataDirectory: directory)
        configure(&configuration)
        try configuration.validate()
        let store = try store ?? SlipwayStore.inMemory(deployStages: stages == .local ? StageName.localEngine : StageName.kubernetesEngine)
        let engine = InMemoryEngine(releases: StoreCurrentReleases(store: store), stages: stages)
        guard engine.deployStages == store.deployStages else { throw TestTimeout("the store records other stages than the engine's") }
        let routeTable = RouteTable(domain: configuration.domain)
        let (app, routes) = try await makeApplication(configuration: configuration, store: store, engine: engine, routeTable: routeTable)
        return try await app.test(.router) { [configuration, store] client in
            var server = InProcessServer(engine: engine, store: store, configuration: configuration, routeTable: routeTable,
                                         client: client, routes: routes)
            if let token = configuration.token { server.headers[.authorization] = "Bearer \(token)" }
            return try await test(server)
        }
    }

    /// What `SlipwayServer.run` starts (its `recoverQueue`, `restoreEdge`, `controlPlane` and `siteResponder`), minus
    /// the engine connection, the router and the listening socket.
    private static func makeApplication(configuration: ServerConfiguration, store: SlipwayStore, engine: InMemoryEngine,
                                        routeTable: RouteTable) async throws -> (some ApplicationProtocol, [String]) {
        _ = ServerMetrics.registry
        for directory in [configuration.dataDirectory, configuration.workDirectory, configuration.uploadsDirectory] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try SlipwayServer.recoverQueue(store, configuration, logger: logger)
        try SlipwayServer.restoreEdge(store, routes: routeTable)
        try await engine.restore()
        let (parts, services) = try SlipwayServer.controlPlane(configuration, store: store, engine: engine,
                                                               events: EventHub(store: store, logger: logger),
                                                               routes: routeTable, logger: logger)
        let routes = SlipwayServer.apiRouter(parts).routes.map { "\($0.method) \($0.path)" }
        // What the listener answers: the API, and the dashboard beside it.
        return (Application(responder: try SlipwayServer.siteResponder(parts), services: services, logger: logger), routes)
    }
}
