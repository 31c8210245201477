import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// HTTP-01 (RFC 8555 section 8.3): the router answers /.well-known/acme-challenge/TOKEN from its
/// token store for any host, routed or not, and leaves every other request to routing.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterACMEChallengeTests {
    @Test func answersAPendingTokenForAHostNoAppIsRoutedAtYet() async throws {
        let harness = try await RouterHarness.start()
        harness.router.challengeTokens.set(token: "tok-1_A", keyAuthorization: "tok-1_A.thumb")

        let answer = try await harness.get(host: "shop.example.com", path: "/.well-known/acme-challenge/tok-1_A")
        #expect(answer.status == .ok)
        #expect(answer.body.trimmingCharacters(in: .whitespacesAndNewlines) == "tok-1_A.thumb")
        #expect(answer.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)

        // Another token, another path, or a POST: not answered, routed as ever (no app here: 502).
        #expect(try await harness.get(host: "shop.example.com", path: "/.well-known/acme-challenge/other").status == .badGateway)
        #expect(try await harness.get(host: "shop.example.com", path: "/tok-1_A").status == .badGateway)
        let post = try await harness.request(host: "shop.example.com", path: "/.well-known/acme-challenge/tok-1_A", method: .POST)
        #expect(post.status == .badGateway)

        harness.router.challengeTokens.remove(token: "tok-1_A")
        #expect(harness.router.challengeTokens.isEmpty)
        #expect(try await harness.get(host: "shop.example.com", path: "/.well-known/acme-challenge/tok-1_A").status == .badGateway)
        try await harness.shutdown()
    }

    @Test func aRoutedAppKeepsItsOtherRequests() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        harness.router.challengeTokens.set(token: "t2", keyAuthorization: "t2.thumb")

        #expect(try await harness.get(host: "shop.localhost", path: "/.well-known/acme-challenge/t2").body.hasPrefix("t2.thumb"))
        #expect(try await harness.get(host: "shop.localhost", path: "/.well-known/acme-challenge/t3").body == "web")
        #expect(try await harness.get(host: "shop.localhost", path: "/").body == "web")
        try await harness.shutdown()
        await web.stop()
    }

    @Test func requestTargetIsReadFromTheRequestLine() throws {
        var raw = ByteBuffer()
        raw.writeString("GET /.well-known/acme-challenge/abc?x=1 HTTP/1.1\r\nHost: a.example\r\n\r\n")
        let head = try ClientRequestHead(raw: raw)
        #expect(head.requestTarget == "/.well-known/acme-challenge/abc?x=1")
        let tokens = ACMEChallengeTokens()
        tokens.set(token: "abc", keyAuthorization: "abc.k")
        // The query is part of the token as sent: not the token, no answer.
        #expect(tokens.answer(to: head) == nil)
    }
}
