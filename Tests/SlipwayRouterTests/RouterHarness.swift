import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SlipwayRouter
import TestPorts

/// A router on port 0 in front of real test backends, and a real HTTP client to talk to it.
/// A class so that a test that throws before `shutdown()` still shuts its client down (in
/// `deinit`): AsyncHTTPClient traps when a client is released running, ending the whole run.
final class RouterHarness: Sendable {
    let router: Router
    let routes: RouteTable
    let port: Int
    let client: HTTPClient

    struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: String
        var backend: String? { self.headers.first(name: "x-backend") }
    }

    static func start(configuration: RouterConfiguration = .init()) async throws -> RouterHarness {
        let routes = RouteTable()
        var logger = Logger(label: "test.router")
        logger.logLevel = .warning
        let (router, port) = try await TestPorts.withFreePort { port in
            let router = Router(host: "127.0.0.1", port: port, routes: routes, logger: logger, configuration: configuration)
            return (router, try await router.start())
        }
        return RouterHarness(router: router, routes: routes, port: port, client: HTTPClient(eventLoopGroupProvider: .singleton))
    }

    private init(router: Router, routes: RouteTable, port: Int, client: HTTPClient) {
        self.router = router
        self.routes = routes
        self.port = port
        self.client = client
    }

    deinit {
        // After shutdown() this only reports "already shut down" to a callback that ignores it.
        self.client.shutdown { _ in }
    }

    func shutdown() async throws {
        try await self.client.shutdown()
        try await self.router.stop()
    }

    func request(
        host: String,
        path: String = "/",
        method: HTTPMethod = .GET,
        headers: [(String, String)] = [],
        body: HTTPClientRequest.Body? = nil
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
        request.method = method
        request.headers.replaceOrAdd(name: "host", value: host)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = body }
        return try await self.client.execute(request, timeout: .seconds(30))
    }

    func get(host: String, path: String = "/", headers: [(String, String)] = []) async throws -> Response {
        let response = try await self.request(host: host, path: path, headers: headers)
        let body = try await response.body.collect(upTo: 1 << 20)
        return Response(status: response.status, headers: response.headers, body: String(buffer: body))
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
