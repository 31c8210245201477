import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// The control socket of a router process (`slipway router`), without the process: a real router,
/// its control server on a unix socket, the table file, and a real HTTP client.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterControlTests {
    final class Fixture: Sendable {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-control-\(UUID().uuidString.prefix(8))")
        let harness: RouterHarness
        let control: RouterControlServer
        let stateFile: RouteStateFile
        var socketPath: String { directory.appendingPathComponent("control.sock").path }

        init(metrics: @escaping @Sendable () -> String = { "" }) async throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            harness = try await RouterHarness.start()
            stateFile = RouteStateFile(url: directory.appendingPathComponent("routes.json"))
            control = RouterControlServer(router: harness.router, stateFile: stateFile, metrics: metrics, logger: Logger(label: "test.control"))
            try await control.start(socketPath: directory.appendingPathComponent("control.sock").path)
        }

        func send(_ method: HTTPMethod, _ path: String, _ body: Data? = nil) async throws -> (status: Int, body: Data) {
            var request = HTTPClientRequest(url: try #require(URL(httpURLWithSocketPath: socketPath, uri: path)).absoluteString)
            request.method = method
            request.headers.add(name: "host", value: "localhost")
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response = try await harness.client.execute(request, timeout: .seconds(10))
            return (Int(response.status.code), Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
        }

        func shutdown() async throws {
            await control.stop()
            try await harness.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func aTableHandedOverIsServedKeptOnDiskAndReadBack() async throws {
        let web = try await TestBackend.start(name: "handed-over")
        let fixture = try await Fixture()
        let source = RouteTable()
        source.setRoutes(app: "shop", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        source.setCustomHosts(app: "shop", [CustomHost(host: "*.shop.example.com")])
        source.setMaintenance(app: "blog", MaintenancePage(app: "blog", message: "back <soon>"))

        let put = try await fixture.send(.PUT, "/routes", try JSONEncoder().encode(source.exportRoutes()))
        #expect(put.status == 204)
        #expect(try await fixture.harness.get(host: "eu.shop.example.com").body == "handed-over")
        let blog = try await fixture.harness.get(host: "blog.localhost")
        #expect(blog.status == .serviceUnavailable && blog.body.contains("back &lt;soon&gt;"))
        #expect(try fixture.stateFile.read() == source.exportRoutes())
        // What a restarted router process starts from.
        let restarted = RouteTable()
        restarted.replaceRoutes(try #require(try fixture.stateFile.read()))
        #expect(restarted.resolve(host: "eu.shop.example.com") == .service(app: "shop", service: "web", backends: [Backend(port: web.port)]))

        let status = try JSONDecoder().decode(RouterProcessStatus.self, from: try await fixture.send(.GET, "/status").body)
        #expect(status.http == "127.0.0.1:\(fixture.harness.port)" && status.domain == "localhost" && status.apps == 1)
        let drained = try await fixture.send(.POST, "/drain", try JSONEncoder().encode(DrainRequest(backends: [Backend(port: web.port)], timeoutMilliseconds: 500)))
        #expect(try JSONDecoder().decode(DrainResponse.self, from: drained.body).drained)

        try await fixture.shutdown()
        await web.stop()
    }

    @Test func aBadTableIsRefusedAndChangesNothing() async throws {
        let web = try await TestBackend.start(name: "kept")
        let fixture = try await Fixture()
        fixture.harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        let kept = fixture.harness.routes.exportRoutes()
        for body in ["not json", "[]", #"{"apps": {"shop": {"services": {"web": [{"port": "x"}]}}}}"#] {
            #expect(try await fixture.send(.PUT, "/routes", Data(body.utf8)).status == 400, "\(body)")
        }
        #expect(try await fixture.send(.GET, "/nothing").status == 404)
        #expect(fixture.harness.routes.exportRoutes() == kept)
        #expect(try await fixture.harness.get(host: "shop.localhost").body == "kept")
        #expect(try fixture.stateFile.read() == nil)
        // The socket is the owner's alone.
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: fixture.socketPath)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "socket mode \(String(mode, radix: 8))")
        try await fixture.shutdown()
        await web.stop()
    }
}
