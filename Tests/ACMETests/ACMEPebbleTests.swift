import ACME
import ACMETestSupport
import Crypto
import Foundation
import Logging
import SwiftASN1
import Testing
import X509

/// The whole RFC 8555 flow against a real pebble and pebble-challtestsrv (see PebbleHarness).
@Suite(.serialized) struct ACMEPebbleTests {
    @Test func issuesACertificateForTwoHostsOverHTTP01() async throws {
        // A third of the nonces refused: the client must retry badNonce answers to get anywhere.
        try await PebbleHarness.withPebble(nonceRejectPercent: 33) { pebble in
            let client = try pebble.client()
            let hosts = ["shop.acme-test.example", "www.shop.acme-test.example"]
            let issued = try await client.issueCertificate(for: hosts, solver: ChallengeTestServerSolver(harness: pebble, challengeType: .http01))
            try await client.shutdown()

            let chain = try PEMDocument.parseMultiple(pemString: issued.certificateChainPEM).map { try Certificate(pemDocument: $0) }
            #expect(chain.count >= 2)
            let leaf = try #require(chain.first)
            let names = try #require(try leaf.extensions.subjectAlternativeNames)
            #expect(Set(names) == Set(hosts.map { GeneralName.dnsName($0) }))
            let key = try P256.Signing.PrivateKey(pemRepresentation: issued.privateKeyPEM)
            #expect(leaf.publicKey == Certificate.PublicKey(key.publicKey))
            #expect(leaf.notValidAfter > Date())
            #expect(leaf.issuer == chain[1].subject)
        }
    }

    @Test func issuesAWildcardOverDNS01() async throws {
        try await PebbleHarness.withPebble { pebble in
            let client = try pebble.client()
            let issued = try await client.issueCertificate(
                for: ["*.apps.acme-test.example"], solver: ChallengeTestServerSolver(harness: pebble, challengeType: .dns01))
            try await client.shutdown()
            let leaf = try Certificate(pemDocument: try #require(try PEMDocument.parseMultiple(pemString: issued.certificateChainPEM).first))
            #expect(Array(try #require(try leaf.extensions.subjectAlternativeNames)) == [.dnsName("*.apps.acme-test.example")])
        }
    }

    @Test func aWildcardCannotBeProvedOverHTTP01() async throws {
        try await PebbleHarness.withPebble { pebble in
            let client = try pebble.client()
            let error = await #expect(throws: ACMEError.self) {
                try await client.issueCertificate(for: ["*.apps.acme-test.example"], solver: ChallengeTestServerSolver(harness: pebble, challengeType: .http01))
            }
            try await client.shutdown()
            #expect(error?.kind == .challengeFailed)
            #expect(error?.description.contains("a wildcard needs DNS-01") == true)
        }
    }

    @Test func anUnansweredChallengeFailsWithTheServersProblem() async throws {
        try await PebbleHarness.withPebble { pebble in
            let client = try pebble.client()
            var solver = ChallengeTestServerSolver(harness: pebble, challengeType: .http01)
            solver.publishes = false
            let error = await #expect(throws: ACMEError.self) {
                try await client.issueCertificate(for: ["nothing-served.acme-test.example"], solver: solver)
            }
            try await client.shutdown()
            #expect(error?.kind == .challengeFailed)
            let problem = try #require(error?.problem)
            #expect(problem.type.hasPrefix("urn:ietf:params:acme:error:"))
            #expect(problem.detail?.isEmpty == false)
            #expect(error?.description.contains("nothing-served.acme-test.example") == true)
        }
    }

    @Test func theSameKeyFindsItsAccountAgain() async throws {
        try await PebbleHarness.withPebble { pebble in
            let key = ACMEAccountKey()
            let first = try pebble.client(key: key)
            let url = try await first.registerAccount()
            try await first.shutdown()
            let second = try pebble.client(key: key)
            #expect(try await second.registerAccount() == url)
            try await second.shutdown()
            let other = try pebble.client()
            #expect(try await other.registerAccount() != url)
            try await other.shutdown()
        }
    }

    @Test func aDirectoryWhoseCAIsNotTrustedIsRefused() async throws {
        try await PebbleHarness.withPebble { pebble in
            let client = try pebble.client(trustCA: false)
            let error = await #expect(throws: ACMEError.self) { try await client.registerAccount() }
            try await client.shutdown()
            #expect(error?.kind == .unreachable)
            #expect(error?.description.contains("ACME CA file") == true)
        }
    }

    @Test func serverRefusalsCarryTheProblemDocument() async throws {
        try await PebbleHarness.withPebble { pebble in
            let client = try pebble.client()
            // An IP literal is not a dns identifier: pebble refuses the order.
            let error = await #expect(throws: ACMEError.self) { try await client.newOrder(hosts: ["127.0.0.1"]) }
            try await client.shutdown()
            #expect(error?.kind == .refused)
            #expect(error?.problem?.type.hasPrefix("urn:ietf:params:acme:error:") == true)
        }
    }

    @Test func aBadContactEmailIsRefusedBeforeAnyRequest() async throws {
        let client = try ACMEClient(
            configuration: .init(directoryURL: "https://127.0.0.1:1/dir", contactEmail: "not an email"), accountKey: ACMEAccountKey(),
            logger: .init(label: "acme-test"))
        let error = await #expect(throws: ACMEError.self) { try await client.registerAccount() }
        try await client.shutdown()
        // Refused for the email, not for the unreachable directory: the email is checked first.
        #expect(error?.kind == .invalidArgument)
    }

    @Test func aMissingCAFileIsAClearError() {
        #expect(throws: ACMEError.self) {
            try ACMEClient(
                configuration: .init(directoryURL: "https://127.0.0.1:1/dir", caCertificateFile: "/nonexistent/ca.pem"),
                accountKey: ACMEAccountKey(), logger: .init(label: "acme-test"))
        }
    }
}
