import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import ACME

@Suite struct CertificateRequestTests {
    @Test func csrNamesEveryHostAndIsSignedByTheCertificateKey() throws {
        let key = P256.Signing.PrivateKey()
        let hosts = ["shop.example.com", "www.shop.example.com"]
        let der = try CertificateRequest.der(hosts: hosts, privateKey: key)
        let csr = try CertificateSigningRequest(derEncoded: der)
        #expect(csr.subject.description.contains("CN=shop.example.com"))
        #expect(csr.publicKey == Certificate.PublicKey(key.publicKey))
        #expect(csr.signatureAlgorithm == .ecdsaWithSHA256)
        #expect(csr.publicKey.isValidSignature(csr.signature, for: csr))
        let extensions = try #require(try csr.attributes.extensionRequest).extensions
        let names = try #require(try extensions.subjectAlternativeNames)
        #expect(Array(names) == hosts.map { GeneralName.dnsName($0) })
    }

    @Test func longFirstHostStaysOutOfTheSubject() throws {
        let long = String(repeating: "a", count: 60) + ".example.com"
        let csr = try CertificateSigningRequest(derEncoded: try CertificateRequest.der(hosts: [long], privateKey: P256.Signing.PrivateKey()))
        #expect(Array(csr.subject).isEmpty)
        let names = try #require(try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames)
        #expect(Array(names) == [.dnsName(long)])
    }

    @Test func noHostIsRefused() {
        #expect(throws: ACMEError.self) { try CertificateRequest.der(hosts: [], privateKey: P256.Signing.PrivateKey()) }
    }
}
