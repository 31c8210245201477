import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import SlipwayRouter

/// End to end: real backends, the real router on port 0, a real HTTP client.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterTests {
    @Test func routesByHostAndServiceAndDefault() async throws {
        let (web, api) = (try await TestBackend.start(name: "web"), try await TestBackend.start(name: "api"))
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(
            app: "shop", services: ["web": [Backend(port: web.port)], "api": [Backend(port: api.port)]],
            defaultService: "web")

        #expect(try await harness.get(host: "shop.localhost").body == "web")
        #expect(try await harness.get(host: "SHOP.localhost:\(harness.port)").body == "web")
        #expect(try await harness.get(host: "api.shop.localhost").body == "api")
        #expect(try await harness.get(host: "web.shop.localhost").body == "web")

        try await harness.shutdown()
        await web.stop()
        await api.stop()
    }

    @Test func answersUnknownHostsAndEmptyServicesWithReasons() async throws {
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "idle", services: ["web": []], defaultService: "web")

        let unknown = try await harness.get(host: "nope.localhost")
        #expect(unknown.status == .badGateway)
        #expect(unknown.body == "slipway: no app is routed at nope.localhost\n")
        #expect(unknown.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)

        let empty = try await harness.get(host: "idle.localhost")
        #expect(empty.status == .serviceUnavailable)
        #expect(empty.body == "slipway: idle has no ready replicas (service web)\n")

        // Removing the app makes its host unknown again.
        harness.routes.removeApp("idle")
        #expect(try await harness.get(host: "idle.localhost").status == .badGateway)
        try await harness.shutdown()
    }

    @Test func roundRobinsAcrossBackends() async throws {
        let (a, b) = (try await TestBackend.start(name: "a"), try await TestBackend.start(name: "b"))
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(
            app: "rr", services: ["web": [Backend(port: a.port), Backend(port: b.port)]], defaultService: "web")

        var counts: [String: Int] = [:]
        for _ in 0..<20 {
            counts[try await harness.get(host: "rr.localhost").body, default: 0] += 1
        }
        #expect(counts.keys.sorted() == ["a", "b"])
        #expect(abs((counts["a"] ?? 0) - (counts["b"] ?? 0)) <= 2)

        try await harness.shutdown()
        await a.stop()
        await b.stop()
    }

    @Test func setsForwardedHeadersAndStripsHopByHop() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "fw", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        let seen = try await harness.get(
            host: "fw.localhost:8080", path: "/headers",
            headers: [
                ("X-Forwarded-For", "203.0.113.7"), ("Keep-Alive", "timeout=5"),
                ("Proxy-Connection", "keep-alive"), ("X-App", "kept"),
            ])
        let lines = Set(seen.body.split(separator: "\n").map(String.init))
        // Not from a --trusted-proxy: the client's claim is replaced, not appended to.
        #expect(lines.contains("x-forwarded-for: 127.0.0.1"))
        #expect(!lines.contains { $0.contains("203.0.113.7") })
        #expect(lines.contains("x-forwarded-proto: http"))
        #expect(lines.contains("x-forwarded-host: fw.localhost:8080"))
        #expect(lines.contains("host: fw.localhost:8080"))
        #expect(lines.contains("x-app: kept"))
        #expect(!lines.contains { $0.hasPrefix("keep-alive:") || $0.hasPrefix("proxy-connection:") })

        try await harness.shutdown()
        await web.stop()
    }

    @Test func reusesBackendConnections() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "ka", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        for _ in 0..<20 {
            #expect(try await harness.get(host: "ka.localhost").status == .ok)
        }
        #expect(web.requests == 20)
        #expect(web.connections <= 2)

        // A backend that says Connection: close gets a fresh connection next time, and nothing fails.
        #expect(try await harness.get(host: "ka.localhost", path: "/close").body == "web")
        #expect(try await harness.get(host: "ka.localhost").body == "web")

        try await harness.shutdown()
        await web.stop()
    }

    @Test func closesPooledConnectionsLeftIdleAndReconnectsAfterwards() async throws {
        let web = try await TestBackend.start(name: "web")
        // 2 s: long enough that a loaded machine still sees the burst's connections open before the
        // check below (with 300 ms a CI run found them already closed), short enough to wait for.
        let harness = try await RouterHarness.start(configuration: .init(idleConnectionTimeout: .seconds(2)))
        harness.routes.setRoutes(app: "idle", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        // A burst: several requests at once leave several connections in the pool.
        try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
            for _ in 0..<4 { group.addTask { try await harness.get(host: "idle.localhost", path: "/sleep?ms=200").status } }
            for try await status in group { #expect(status == .ok) }
        }
        #expect(web.openConnections >= 2)

        // Unused, they are closed by the router after the timeout.
        #expect(await eventually(timeout: .seconds(10)) { web.openConnections == 0 })

        // And the next request opens a new one.
        #expect(try await harness.get(host: "idle.localhost").status == .ok)
        #expect(web.openConnections == 1)

        try await harness.shutdown()
        await web.stop()
    }

    @Test func streamsLargeBodiesBothWays() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "big", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        let size = 20 * 1024 * 1024
        let chunks = size / TestPattern.chunkSize

        // Up: the backend checksums what it receives.
        var expected = TestPattern.Checksum()
        for index in 0..<chunks { expected.update(TestPattern.chunk(index: index)) }
        let upload = AsyncStream<ByteBuffer> { continuation in
            for index in 0..<chunks { continuation.yield(TestPattern.chunk(index: index)) }
            continuation.finish()
        }
        let up = try await harness.request(
            host: "big.localhost", path: "/upload", method: .POST, body: .stream(upload, length: .known(Int64(size))))
        #expect(up.status == .ok)
        #expect(String(buffer: try await up.body.collect(upTo: 1024)) == expected.summary)

        // Down, with Content-Length and chunked.
        for path in ["/download?bytes=\(size)", "/download?bytes=\(size)&chunked"] {
            let down = try await harness.request(host: "big.localhost", path: path)
            #expect(down.status == .ok)
            var received = TestPattern.Checksum()
            for try await buffer in down.body { received.update(buffer) }
            #expect(received.summary == expected.summary)
        }

        try await harness.shutdown()
        await web.stop()
    }

    @Test(arguments: ["", "&chunked"])  // passed through as is, and re-chunked by the router
    func slowClientsHoldBackTheBackend(framing: String) async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "bp", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        // A client that never reads: the router must not pull the whole 200 MB from the backend.
        let client = try await RawClient.connect(port: harness.port, autoRead: false)
        try await client.send("GET /download?bytes=\(200 << 20)\(framing) HTTP/1.1\r\nHost: bp.localhost\r\n\r\n")
        #expect(await eventually { web.downloadBytesSent > 0 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(web.downloadBytesSent < 32 << 20)

        await client.close()
        try await harness.shutdown()
        await web.stop()
    }

    @Test func slowBackendsHoldBackTheClient() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start(configuration: .init(responseTimeout: .seconds(1)))
        harness.routes.setRoutes(app: "up", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        // A backend that stops reading: the router must not take in the whole 200 MB upload.
        let client = try await RawClient.connect(port: harness.port)
        let total = 200 << 20
        try await client.send("POST /stall HTTP/1.1\r\nHost: up.localhost\r\nContent-Length: \(total)\r\n\r\n")
        let accepted = try await client.pump(total: total)
        #expect(await eventually { accepted.withLockedValue { $0 } > 0 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(accepted.withLockedValue { $0 } < 64 << 20)

        // After a second without progress the router gives up on the stalled upload.
        #expect(await eventually { client.text.hasPrefix("HTTP/1.1 504") && !client.isOpen })
        #expect(client.text.hasSuffix("slipway: up stopped reading the request body for 1 s\n"))
        await client.close()
        try await harness.shutdown()
        await web.stop()
    }

    @Test func answers502WhenTheBackendDropsTheRequest() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "drop", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        let response = try await harness.get(host: "drop.localhost", path: "/drop")
        #expect(response.status == .badGateway)
        #expect(response.body == "slipway: could not reach a replica of drop\n")
        #expect(try await harness.get(host: "drop.localhost").body == "web")

        try await harness.shutdown()
        await web.stop()
    }

    @Test func answersPipelinedRequestsInOrderAndHonoursClose() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "pl", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        let client = try await RawClient.connect(port: harness.port)
        try await client.send(
            "GET /sleep?ms=100 HTTP/1.1\r\nHost: pl.localhost\r\n\r\n"
                + "HEAD /download?bytes=10&chunked HTTP/1.1\r\nHost: pl.localhost\r\n\r\n"
                + "GET /nothing HTTP/1.1\r\nHost: nope.localhost\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: pl.localhost\r\nConnection: close\r\n\r\n")
        #expect(await eventually { !client.isOpen })
        let responses = client.text.components(separatedBy: "HTTP/1.1 ").dropFirst()
        #expect(responses.map { String($0.prefix(3)) } == ["200", "200", "502", "200"])
        #expect(responses.first?.hasSuffix("\r\n\r\nweb") == true)
        #expect(responses.dropFirst().first?.hasSuffix("\r\n\r\n") == true)  // HEAD: no body
        #expect(responses.last?.lowercased().contains("connection: close") == true)

        try await harness.shutdown()
        await web.stop()
    }

    @Test func retriesWhenOneReplicaDies() async throws {
        let (a, b) = (try await TestBackend.start(name: "a"), try await TestBackend.start(name: "b"))
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(
            app: "ha", services: ["web": [Backend(port: a.port), Backend(port: b.port)]], defaultService: "web")
        for _ in 0..<4 { _ = try await harness.get(host: "ha.localhost") }  // warm both pools

        await a.stop()
        var statuses: [UInt] = []
        for _ in 0..<50 {
            statuses.append(try await harness.get(host: "ha.localhost").status.code)
        }
        #expect(statuses == Array(repeating: 200, count: 50))

        await b.stop()
        let down = try await harness.get(host: "ha.localhost")
        #expect(down.status == .badGateway)
        #expect(down.body == "slipway: could not reach a replica of ha\n")
        try await harness.shutdown()
    }

    @Test func drainsInFlightRequestsAcrossARouteSwitch() async throws {
        let (old, new) = (try await TestBackend.start(name: "old"), try await TestBackend.start(name: "new"))
        let harness = try await RouterHarness.start()
        let oldBackend = Backend(port: old.port)
        harness.routes.setRoutes(app: "dep", services: ["web": [oldBackend]], defaultService: "web")

        async let slow = harness.get(host: "dep.localhost", path: "/sleep?ms=1500")
        #expect(await eventually { harness.router.inFlightRequests(to: oldBackend) == 1 })

        harness.routes.setRoutes(app: "dep", services: ["web": [Backend(port: new.port)]], defaultService: "web")
        #expect(try await harness.get(host: "dep.localhost").body == "new")
        #expect(await harness.router.waitUntilDrained([oldBackend], timeout: .milliseconds(100)) == false)

        #expect(try await slow.body == "old")
        #expect(await harness.router.waitUntilDrained([oldBackend], timeout: .seconds(5)))
        #expect(harness.router.inFlightRequests(to: oldBackend) == 0)

        try await harness.shutdown()
        await old.stop()
        await new.stop()
    }

    @Test func answers504WhenTheBackendIsTooSlow() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start(configuration: .init(responseTimeout: .milliseconds(300)))
        harness.routes.setRoutes(app: "slow", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        let response = try await harness.get(host: "slow.localhost", path: "/sleep?ms=2000")
        #expect(response.status == .gatewayTimeout)
        #expect(response.body.hasPrefix("slipway: slow did not answer"))
        #expect(try await harness.get(host: "slow.localhost").body == "web")

        try await harness.shutdown()
        await web.stop()
    }

    @Test func refusesConnectionsAfterStop() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "bye", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        #expect(try await harness.get(host: "bye.localhost").status == .ok)
        await #expect(throws: RouterError.alreadyStarted) { try await harness.router.start() }

        try await harness.router.stop()
        await #expect(throws: RouterError.stopped) { try await harness.router.start() }
        // A plain connect: HTTPClient would keep retrying refused connects until its own timeout.
        await #expect(throws: (any Error).self) {
            try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: harness.port).get().close()
        }

        try await harness.client.shutdown()
        await web.stop()
    }
}
