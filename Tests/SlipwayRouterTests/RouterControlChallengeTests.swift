import Foundation
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// HTTP-01 answers and metrics over a router process's control socket (the server hands the
/// answers of its ACME orders to the router process, and reads its counters for `/metrics`).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterControlChallengeTests {
    typealias Fixture = RouterControlTests.Fixture

    static func answer(_ keyAuthorization: String) throws -> Data {
        try JSONEncoder().encode(ChallengeAnswer(keyAuthorization: keyAuthorization))
    }

    @Test func aChallengeHandedOverIsAnsweredOnHTTPUntilRemoved() async throws {
        let fixture = try await Fixture()
        let token = "Xy_9-tokenA1b2C3d4E5f6G7h8"
        let path = "/.well-known/acme-challenge/\(token)"
        #expect(try await fixture.send(.PUT, "/challenges/\(token)", try Self.answer("\(token).thumb-print_1")).status == 204)
        let served = try await fixture.harness.get(host: "new.example.com", path: path)
        #expect(served.status == .ok && served.body.trimmingCharacters(in: .whitespacesAndNewlines) == "\(token).thumb-print_1")
        #expect(try await fixture.send(.DELETE, "/challenges/\(token)").status == 204)
        #expect(try await fixture.harness.get(host: "new.example.com", path: path).status == .badGateway)
        #expect(fixture.harness.router.challengeTokens.isEmpty)
        try await fixture.shutdown()
    }

    @Test func hostileChallengesAreRefusedWithTheReasonAndChangeNothing() async throws {
        let fixture = try await Fixture()
        let cases: [(path: String, body: Data, reason: String)] = [
            ("/challenges/%3Cscript%3E", try Self.answer("%3Cscript%3E.x"), "base64url"),
            ("/challenges/..%2Froutes", try Self.answer("..%2Froutes.x"), "base64url"),
            ("/challenges/" + String(repeating: "a", count: 300), try Self.answer(String(repeating: "a", count: 300) + ".x"), "1 to 256"),
            ("/challenges/", try Self.answer(".x"), "base64url"),
            ("/challenges/abc", try Self.answer("other.thumb"), "TOKEN.THUMBPRINT"),
            ("/challenges/abc", try Self.answer("abc.<b>hi</b>"), "TOKEN.THUMBPRINT"),
            ("/challenges/abc", try Self.answer("abc.thumb\r\nSet-Cookie: a=b"), "TOKEN.THUMBPRINT"),
            ("/challenges/abc", try Self.answer("abc." + String(repeating: "t", count: 200)), "TOKEN.THUMBPRINT"),
            ("/challenges/abc", try Self.answer("abc.a.b"), "TOKEN.THUMBPRINT"),
            ("/challenges/abc", Data("abc.thumb".utf8), "bad control request"),
        ]
        for (path, body, reason) in cases {
            let refused = try await fixture.send(.PUT, path, body)
            let message = String(decoding: refused.body, as: UTF8.self)
            #expect(refused.status == 400 && message.contains(reason), "\(path): \(refused.status) \(message)")
        }
        #expect(fixture.harness.router.challengeTokens.isEmpty)
        #expect(try await fixture.harness.get(host: "x.example.com", path: "/.well-known/acme-challenge/abc").status == .badGateway)

        // No more than ChallengeAnswer.maximumTokens at once; one already kept may be replaced.
        for index in 0..<ChallengeAnswer.maximumTokens {
            #expect(try await fixture.send(.PUT, "/challenges/t\(index)", try Self.answer("t\(index).k")).status == 204)
        }
        let full = try await fixture.send(.PUT, "/challenges/one-more", try Self.answer("one-more.k"))
        #expect(full.status == 409 && String(decoding: full.body, as: UTF8.self).contains("remove some first"))
        #expect(try await fixture.send(.PUT, "/challenges/t0", try Self.answer("t0.k2")).status == 204)
        #expect(fixture.harness.router.challengeTokens.tokenCount == ChallengeAnswer.maximumTokens)
        #expect(fixture.harness.router.challengeTokens.keyAuthorization(token: "one-more") == nil)
        try await fixture.shutdown()
    }

    @Test func metricsAreReadOverTheSocket() async throws {
        let text = "# TYPE slipway_router_requests_total counter\nslipway_router_requests_total{app=\"a\",service=\"web\",status=\"2xx\"} 3\n"
        let fixture = try await Fixture(metrics: { text })
        let answer = try await fixture.send(.GET, "/metrics")
        #expect(answer.status == 200 && String(decoding: answer.body, as: UTF8.self) == text)
        try await fixture.shutdown()
    }
}
