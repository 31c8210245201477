import FoundationEssentials
import NIOCore
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// Attacks on the router with real sockets against the real router (issue 14, section 4): each
/// test performs the attack, sees it fail, and checks that honest clients are still served.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterAttackTests {
    private static func start(_ configuration: RouterConfiguration) async throws -> (RouterHarness, TestBackend) {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start(configuration: configuration)
        harness.routes.setRoutes(app: "atk", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        return (harness, web)
    }

    @Test func slowHeaderIsCutAtTheHeaderTimeout() async throws {
        // 3 s, not 1: in a full parallel test run the first byte can take over a second to leave.
        let (harness, web) = try await Self.start(.init(headerTimeout: .seconds(3)))
        let start = ContinuousClock.now
        let slow = try await RawClient.connect(port: harness.port)
        // On a loaded machine the timeout may already have cut it: that is what is being tested.
        try? await slow.send("GET / HTTP/1.1\r\nHost: atk.localhost\r\n")
        // Slowloris: a header byte every 200 ms, never the end of the head.
        var trickled = 0
        while slow.isOpen && ContinuousClock.now - start < .seconds(12) {
            try? await slow.send(trickled == 0 ? "X-Slow: " : "a")
            trickled += 1
            try await Task.sleep(for: .milliseconds(200))
        }
        let cutAfter = ContinuousClock.now - start
        #expect(!slow.isOpen)
        // Cut at the 3 s timeout, with room for a loaded machine (the whole unit group on 2 cores
        // once took 7.1 s); below the 12 s of trickling, so it was the timeout that cut it.
        #expect(cutAfter >= .milliseconds(2900) && cutAfter < .seconds(11), "cut after \(cutAfter)")
        #expect(slow.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(slow.text.hasSuffix("slipway: the request head did not arrive within 3 s\n"))
        #expect(web.requests == 0)  // nothing of it reached the app

        // A connection that sends nothing at all is closed too, without an answer: at the 3 s header
        // timeout from its accept, so waiting 3 s from the connect raced it (room for a loaded machine).
        let silent = try await RawClient.connect(port: harness.port)
        #expect(await eventually(timeout: .seconds(6)) { !silent.isOpen })
        #expect(silent.text.isEmpty)

        // Honest clients were served all along.
        #expect(try await harness.get(host: "atk.localhost").body == "web")
        try await harness.shutdown()
        await web.stop()
    }

    @Test func idleKeepAliveConnectionsCloseAfterTheIdleTimeout() async throws {
        // 2 s, not 1: with the whole suite starting at once, an answer can take over 400 ms.
        let (harness, web) = try await Self.start(.init(headerTimeout: .seconds(5), idleTimeout: .seconds(2)))
        let busy = try await RawClient.connect(port: harness.port)
        // Requests 600 ms apart keep it open past the idle timeout...
        for index in 1...4 {
            try await busy.send("GET / HTTP/1.1\r\nHost: atk.localhost\r\n\r\n")
            #expect(await eventually { busy.text.components(separatedBy: "HTTP/1.1 200 OK").count == index + 1 })
            try await Task.sleep(for: .milliseconds(600))
            #expect(busy.isOpen)
        }
        // ... and once it stops asking, it is closed.
        let idleStart = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(5)) { !busy.isOpen })
        #expect(ContinuousClock.now - idleStart < .seconds(4))
        try await harness.shutdown()
        await web.stop()
    }

    @Test func idleTimeoutDoesNotCutASlowResponse() async throws {
        let (harness, web) = try await Self.start(.init(headerTimeout: .seconds(1), idleTimeout: .seconds(1)))
        let response = try await harness.get(host: "atk.localhost", path: "/sleep?ms=2500")
        #expect(response.status == .ok)
        try await harness.shutdown()
        await web.stop()
    }

    @Test func spoofedForwardingHeadersAreReplaced() async throws {
        let (harness, web) = try await Self.start(.init())
        let spoofed: [(String, String)] = [
            ("X-Forwarded-For", "203.0.113.66"), ("Forwarded", "for=203.0.113.66;proto=https"),
            ("X-Real-IP", "203.0.113.66"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "bank.example"),
        ]
        let seen = try await harness.get(host: "atk.localhost", path: "/headers", headers: spoofed)
        let lines = Set(seen.body.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: [
            "x-forwarded-for: 127.0.0.1", "x-real-ip: 127.0.0.1", "x-forwarded-proto: http",
            "x-forwarded-host: atk.localhost",
        ]))
        #expect(!seen.body.contains("203.0.113.66") && !seen.body.contains("bank.example"))
        #expect(!lines.contains { $0.hasPrefix("forwarded:") })
        try await harness.shutdown()
        await web.stop()
    }

    @Test func trustedProxyForwardingHeadersAreKept() async throws {
        let (harness, web) = try await Self.start(.init(trustedProxies: [IPNetwork("127.0.0.0/8")!]))
        let seen = try await harness.get(
            host: "atk.localhost", path: "/headers",
            headers: [
                ("X-Forwarded-For", "198.51.100.9"), ("Forwarded", "for=198.51.100.9"), ("X-Real-IP", "198.51.100.9"),
                ("X-Forwarded-Proto", "https"),
            ])
        let lines = Set(seen.body.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: [
            "x-forwarded-for: 198.51.100.9, 127.0.0.1", "x-real-ip: 198.51.100.9", "forwarded: for=198.51.100.9",
            "x-forwarded-proto: https",
        ]))
        try await harness.shutdown()
        await web.stop()
    }

    @Test func connectionCapHolds() async throws {
        let (harness, web) = try await Self.start(.init(headerTimeout: .seconds(30), maxConnections: 3))
        var held: [RawClient] = []
        for _ in 0..<3 {
            let client = try await RawClient.connect(port: harness.port)
            try await client.send("GET / HTTP/1.1\r\nHost: atk.localhost\r\n\r\n")
            #expect(await eventually { client.text.hasSuffix("web") })
            held.append(client)
        }
        // Over the cap: closed at accept, before a byte is read or answered.
        for _ in 0..<5 {
            let extra = try await RawClient.connect(port: harness.port)
            try? await extra.send("GET / HTTP/1.1\r\nHost: atk.localhost\r\n\r\n")
            #expect(await eventually { !extra.isOpen })
            #expect(extra.text.isEmpty)
        }
        #expect(web.requests == 3)
        #expect(held.allSatisfy { $0.isOpen })
        // A slot freed is a slot for the next client.
        await held.removeFirst().close()
        #expect(await eventually {
            (try? await harness.get(host: "atk.localhost").body) == "web"
        })
        for client in held { await client.close() }
        try await harness.shutdown()
        await web.stop()
    }

    @Test func trustedProxyRangesParse() throws {
        let v4 = try #require(IPNetwork("10.1.2.3/8"))
        #expect(v4.description == "10.0.0.0/8")
        #expect(v4.contains(try SocketAddress(ipAddress: "10.200.0.1", port: 1)))
        #expect(v4.contains(try SocketAddress(ipAddress: "::ffff:10.9.9.9", port: 1)))
        #expect(!v4.contains(try SocketAddress(ipAddress: "11.0.0.1", port: 1)))
        let v6 = try #require(IPNetwork("fd00::/8"))
        #expect(v6.contains(try SocketAddress(ipAddress: "fd12::1", port: 1)))
        #expect(!v6.contains(try SocketAddress(ipAddress: "fe80::1", port: 1)))
        #expect(IPNetwork("192.0.2.7")?.prefixLength == 32)
        for bad in ["", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "example.com", "::1/129", "10.0.0.0/-1"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }
}
