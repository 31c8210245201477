import Foundation
import NIOHTTP1
import Testing

@testable import ACME

@Suite struct ProtocolValuesTests {
    @Test func retryAfterInSecondsIsKeptWithinBounds() {
        let now = Date()
        #expect(RetryAfter.delay(header: "3", now: now, minimum: .seconds(1), maximum: .seconds(10)) == .seconds(3))
        #expect(RetryAfter.delay(header: "0", now: now, minimum: .seconds(1), maximum: .seconds(10)) == .seconds(1))
        #expect(RetryAfter.delay(header: "3600", now: now, minimum: .seconds(1), maximum: .seconds(10)) == .seconds(10))
        #expect(RetryAfter.delay(header: nil, now: now, minimum: .milliseconds(500), maximum: .seconds(10)) == .milliseconds(500))
        #expect(RetryAfter.delay(header: "soon", now: now, minimum: .milliseconds(500), maximum: .seconds(10)) == .milliseconds(500))
    }

    @Test func retryAfterAsHTTPDate() throws {
        let now = try #require(RetryAfter.httpDate("Mon, 07 Dec 2026 14:00:00 GMT"))
        #expect(RetryAfter.delay(header: "Mon, 07 Dec 2026 14:00:04 GMT", now: now, minimum: .seconds(1), maximum: .seconds(10)) == .seconds(4))
    }

    @Test func problemDocumentIsReadAndShown() throws {
        let body = Data("""
            {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"Error creating new order","status":400,
             "subproblems":[{"type":"urn:ietf:params:acme:error:malformed","detail":"bad label","identifier":{"type":"dns","value":"-x.example"}}]}
            """.utf8)
        let response = ACMEResponse(status: 400, headers: [:], body: body, url: "https://ca.test/new-order")
        let error = response.error(operation: "the order for -x.example")
        #expect(error.kind == .refused)
        #expect(error.problem?.shortType == "rejectedIdentifier")
        #expect(error.problem?.subproblems?.first?.identifier == .dns("-x.example"))
        #expect(error.description.contains("rejectedIdentifier: Error creating new order"))
        #expect(error.description.contains("-x.example: malformed: bad label"))
        #expect(!error.isBadNonce)
    }

    @Test func badNonceIsRecognised() {
        let body = Data(#"{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce"}"#.utf8)
        #expect(ACMEResponse(status: 400, headers: [:], body: body, url: "u").error(operation: "x").isBadNonce)
    }

    @Test func anAnswerWithoutProblemDocumentKeepsItsText() {
        let error = ACMEResponse(status: 502, headers: [:], body: Data("Bad Gateway".utf8), url: "u").error(operation: "reading the directory")
        #expect(error.problem == nil)
        #expect(error.description == "the ACME server refused reading the directory: Bad Gateway (HTTP 502)")
    }

    @Test(arguments: ["admin@example.com", "a.b+c@mail.example.org"])
    func plausibleEmails(email: String) { #expect(ACMEClient.isPlausibleEmail(email)) }

    @Test(arguments: ["", "admin", "admin@localhost", "@example.com", "a@b@example.com", "a b@example.com", "a@example.com,b@example.com"])
    func implausibleEmails(email: String) { #expect(!ACMEClient.isPlausibleEmail(email)) }
}
