import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// Pipelining, malformed requests and quiescing: the router does these itself (no
/// HTTPServerPipelineHandler), so they are checked here with a raw client.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterPipeliningTests {
    /// The responses in `text`, split on status lines: ("200", the rest of that response).
    private static func responses(_ text: String) -> [(status: String, rest: String)] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { (String($0.prefix(3)), $0) }
    }

    @Test func answersPipelinedRequestsWithBodiesInOrder() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "pb", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        let client = try await RawClient.connect(port: harness.port)
        // The upload and the last GET arrive while the slow first request is still being answered.
        try await client.send(
            "GET /sleep?ms=200 HTTP/1.1\r\nHost: pb.localhost\r\n\r\n"
                + "POST /upload HTTP/1.1\r\nHost: pb.localhost\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /sleep?ms=10 HTTP/1.1\r\nHost: pb.localhost\r\n\r\n")
        #expect(await eventually { Self.responses(client.text).count == 3 })
        var expectedChecksum = TestPattern.Checksum()
        expectedChecksum.update(ByteBuffer(string: "hello"))
        let responses = Self.responses(client.text)
        #expect(responses.map(\.status) == ["200", "200", "200"])
        #expect(responses.map { $0.rest.components(separatedBy: "\r\n\r\n").last ?? "" }
            == ["web", expectedChecksum.summary, "web"])
        #expect(client.isOpen)

        await client.close()
        try await harness.shutdown()
        await web.stop()
    }

    @Test func aRouteChangeReachesAnOpenKeepAliveConnectionAtOnce() async throws {
        let (a, b) = (try await TestBackend.start(name: "a"), try await TestBackend.start(name: "b"))
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "rc", services: ["web": [Backend(port: a.port)]], defaultService: "web")
        let client = try await RawClient.connect(port: harness.port)
        let request = "GET / HTTP/1.1\r\nHost: rc.localhost\r\n\r\n"

        try await client.send(request)
        #expect(await eventually { client.text.hasSuffix("\r\n\r\na") })
        // The connection cached its route; the next request on it must see the change.
        harness.routes.setRoutes(app: "rc", services: ["web": [Backend(port: b.port)]], defaultService: "web")
        try await client.send(request)
        #expect(await eventually { client.text.hasSuffix("\r\n\r\nb") })
        harness.routes.removeApp("rc")
        try await client.send(request)
        #expect(await eventually { Self.responses(client.text).map(\.status) == ["200", "200", "502"] })

        await client.close()
        try await harness.shutdown()
        await a.stop()
        await b.stop()
    }

    @Test func answersAMalformedRequestWith400AndCloses() async throws {
        let harness = try await RouterHarness.start()
        let client = try await RawClient.connect(port: harness.port)
        try await client.send("GET / HTTP/1.1\r\nHost: x.localhost\r\nBad Header\r\n\r\n")
        #expect(await eventually { !client.isOpen })
        #expect(client.text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(client.text.lowercased().contains("connection: close"))
        try await harness.shutdown()
    }

    @Test func refusesSmugglingAttemptsWithoutTouchingTheBackend() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "sm", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        // Each hides a second request that a backend framing the body differently would see.
        let attempts: [(reason: String, bytes: String)] = [
            ("both Content-Length and Transfer-Encoding",
             "POST / HTTP/1.1\r\nHost: sm.localhost\r\nContent-Length: 35\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("malformed header line",
             "POST / HTTP/1.1\r\nHost: sm.localhost\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"),
            ("malformed header line",
             "GET / HTTP/1.1\r\nHost: sm.localhost\r\nX-A: 1\r\n Content-Length: 30\r\n\r\n"),
            ("line not ended by CRLF", "GET / HTTP/1.1\r\nHost: sm.localhost\nContent-Length: 5\r\n\r\nhello"),
            ("invalid Content-Length",
             "POST / HTTP/1.1\r\nHost: sm.localhost\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello"),
            ("malformed chunk size",
             "POST / HTTP/1.1\r\nHost: sm.localhost\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n"),
        ]
        for attempt in attempts {
            let client = try await RawClient.connect(port: harness.port)
            try await client.send(attempt.bytes)
            #expect(await eventually { !client.isOpen }, "\(attempt.reason)")
            let answer = Self.responses(client.text)
            #expect(answer.map(\.status) == ["400"], "\(attempt.reason): \(client.text)")
            #expect(client.text.contains("slipway: malformed request: \(attempt.reason)\n"), "\(client.text)")
        }
        // The chunked body's bad size is only seen after the head went to the backend: that one
        // request reaches it (its body cut off), nothing smuggled behind it does.
        #expect(web.requests <= 1)

        try await harness.shutdown()
        await web.stop()
    }

    @Test func answersAMalformedPipelinedRequestAfterTheOnesBeforeIt() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "pe", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        let client = try await RawClient.connect(port: harness.port)
        try await client.send(
            "GET /sleep?ms=200 HTTP/1.1\r\nHost: pe.localhost\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: pe.localhost\r\n\r\n"
                + "NOT HTTP AT ALL\r\n\r\n")
        #expect(await eventually { !client.isOpen })
        let responses = Self.responses(client.text)
        #expect(responses.map(\.status) == ["200", "200", "400"])
        #expect(responses.first?.rest.hasSuffix("\r\n\r\nweb") == true)

        try await harness.shutdown()
        await web.stop()
    }

    @Test func stoppingFinishesTheResponseInFlightThenCloses() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "q", services: ["web": [Backend(port: web.port)]], defaultService: "web")

        let idle = try await RawClient.connect(port: harness.port)
        try await idle.send("GET / HTTP/1.1\r\nHost: q.localhost\r\n\r\n")
        #expect(await eventually { idle.text.hasSuffix("\r\n\r\nweb") })
        let busy = try await RawClient.connect(port: harness.port)
        try await busy.send("GET /sleep?ms=500 HTTP/1.1\r\nHost: q.localhost\r\n\r\n")
        let backend = Backend(port: web.port)
        #expect(await eventually { harness.router.inFlightRequests(to: backend) == 1 })

        let started = ContinuousClock.now
        try await harness.router.stop()
        #expect(ContinuousClock.now - started < .seconds(5))
        // The router has closed both; the client side sees the FIN a moment later.
        #expect(await eventually { !idle.isOpen })
        #expect(await eventually { !busy.isOpen })
        let response = busy.text.lowercased()
        #expect(response.hasPrefix("http/1.1 200 ok\r\n"))
        #expect(response.contains("connection: close"))
        #expect(response.hasSuffix("\r\n\r\nweb"))

        try await harness.client.shutdown()
        await web.stop()
    }
}
