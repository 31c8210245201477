import FoundationEssentials
import NIOCore
import Testing

@testable import SlipwayRouter

/// HTTP/1.1 upgrades through the router (issue 15): a real WebSocket app and client (Python's
/// `websockets`) talk through the real router.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterUpgradeTests {
    @Test func webSocketEchoesThroughTheRouterAndClientCloseReachesTheApp() async throws {
        let app = try await WebSocketApp.start()
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "chat", services: ["web": [Backend(port: app.port)]], defaultService: "web")

        let result = try await WebSocketApp.client(port: harness.port, host: "chat.localhost", mode: "client-close")
        #expect(result["status"] as? Int == 101)
        #expect(result["text"] as? String == "hello")
        #expect(result["binary_echoed"] as? Bool == true)  // 4 MiB each way
        #expect(result["close_code"] as? Int == 1000)
        #expect(await eventually { app.log.contains("closed 1000") })
        // The tunnel is not a request in flight (it would hold up the replica's drain).
        #expect(harness.router.inFlightRequests(to: Backend(port: app.port)) == 0)
        try await harness.shutdown()
        await app.stop()
    }

    @Test func theAppClosingAWebSocketClosesItAtTheClient() async throws {
        let app = try await WebSocketApp.start()
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "chat", services: ["web": [Backend(port: app.port)]], defaultService: "web")

        let result = try await WebSocketApp.client(port: harness.port, host: "chat.localhost", mode: "server-close")
        #expect(result["text"] as? String == "hello")
        let closed = result["closed_by_server"] as? [Any]
        #expect(closed?.first as? Int == 4001)
        #expect(closed?.last as? String == "server says bye")
        #expect(await eventually { app.log.contains("closed 4001") })

        try await harness.shutdown()
        await app.stop()
    }

    @Test func anIdleWebSocketClosesAfterTheIdleTimeout() async throws {
        let app = try await WebSocketApp.start()
        let harness = try await RouterHarness.start(configuration: .init(headerTimeout: .seconds(5), idleTimeout: .seconds(1)))
        harness.routes.setRoutes(app: "chat", services: ["web": [Backend(port: app.port)]], defaultService: "web")

        let result = try await WebSocketApp.client(port: harness.port, host: "chat.localhost", mode: "idle")
        #expect(result["status"] as? Int == 101)
        let after = try #require(result["closed_after"] as? Double)
        #expect(after >= 0.9 && after < 2.5, "closed after \(after) s")
        #expect(await eventually { app.log.contains("closed") })

        try await harness.shutdown()
        await app.stop()
    }

    @Test func aBackendAnswering200KeepsTheConnectionPlainHTTP() async throws {
        let app = try await WebSocketApp.start(mode: "http")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "plain", services: ["web": [Backend(port: app.port)]], defaultService: "web")

        // The upgrade request, and right behind it (before any answer) a plain one: the router
        // holds the second until the first's answer says the connection stays HTTP.
        let client = try await RawClient.connect(port: harness.port)
        try await client.send(
            "GET /a HTTP/1.1\r\nHost: plain.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost: plain.localhost\r\n\r\n")
        #expect(await eventually {
            client.text.components(separatedBy: "HTTP/1.1 200 OK").count == 3 && client.text.hasSuffix("connection=None")
        })
        #expect(client.text.contains("upgrade=websocket connection=upgrade"))  // passed on to the app
        #expect(client.text.hasSuffix("upgrade=None connection=None"))
        #expect(!client.text.contains("101"))
        try await client.send("GET /c HTTP/1.1\r\nHost: plain.localhost\r\n\r\n")
        #expect(await eventually { client.text.components(separatedBy: "HTTP/1.1 200 OK").count == 4 })
        #expect(client.isOpen)

        await client.close()
        try await harness.shutdown()
        await app.stop()
    }
}
