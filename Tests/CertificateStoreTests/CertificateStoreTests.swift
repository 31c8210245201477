import CertificateStore
import Foundation
import TLSTestSupport
import Testing

/// The store with certificates made by the real openssl (a private CA and its leaves).
@Suite struct CertificateStoreTests {
    let pki: TestPKI
    let store: CertificateStore

    init() throws {
        self.pki = try TestPKI()
        self.store = CertificateStore(directory: pki.directory.appendingPathComponent("data/certs"))
    }

    @Test func addStoresTheChainAndAPrivateKeyAndListsWhatItParsed() throws {
        let leaf = try pki.leaf(["shop.example.test", "www.shop.example.test"])
        let record = try store.add(host: "Shop.Example.Test.", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        #expect(record.host.name == "shop.example.test")
        #expect(record.issuer == "Slipway Test CA")
        #expect(record.names == ["shop.example.test", "www.shop.example.test"])
        #expect(record.source == .manual && record.renewAt == nil)
        #expect(record.notAfter > Date().addingTimeInterval(9 * 86400))

        let folder = store.directory.appendingPathComponent("shop.example.test")
        let keyMode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("key.pem").path)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        #expect(try String(contentsOf: folder.appendingPathComponent("cert.pem"), encoding: .utf8) == leaf.certificatePEM)

        let entries = store.entries()
        #expect(entries.map(\.host) == ["shop.example.test"])
        let loaded = try entries[0].result.get()
        #expect(loaded.record.issuer == "Slipway Test CA" && loaded.record.source == .manual)
        // Nothing but the host folder is left behind (no staging folders).
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path) == ["shop.example.test"])
    }

    @Test func acmeCertificatesAreRenewedTwoThirdsIntoTheirLife() throws {
        let leaf = try pki.leaf(["api.example.test"], days: 90)
        let record = try store.add(host: "api.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .acme)
        let renewAt = try #require(record.renewAt)
        #expect(abs(renewAt.timeIntervalSince(record.notBefore) - 60 * 86400) < 2)
        #expect(try store.entries()[0].result.get().record.source == .acme)
    }

    @Test func anExpiredCertificateIsRefusedAndNothingIsStored() throws {
        let leaf = try pki.leaf(["old.example.test"], days: -1)
        let error = #expect(throws: CertificateStoreError.self) {
            try store.add(host: "old.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        }
        #expect(error?.kind == .invalidCertificate)
        #expect(error?.message.contains("expired on") == true)
        #expect(store.entries().isEmpty)
    }

    @Test func aKeyOfAnotherCertificateIsRefusedAndTheStoredPairIsKept() throws {
        let good = try pki.leaf(["pay.example.test"])
        let other = try pki.leaf(["pay.example.test"])
        try store.add(host: "pay.example.test", certificatePEM: good.certificatePEM, keyPEM: good.keyPEM, source: .manual)
        let tokenBefore = store.changeToken()
        let error = #expect(throws: CertificateStoreError.self) {
            try store.add(host: "pay.example.test", certificatePEM: good.certificatePEM, keyPEM: other.keyPEM, source: .manual)
        }
        #expect(error?.message.contains("does not belong to the certificate") == true)
        let loaded = try #require(try store.certificate(for: CertificateHost("pay.example.test")))
        #expect(loaded.bundle.keyPEM == good.keyPEM)
        #expect(store.changeToken() == tokenBefore)
    }

    @Test func aCertificateForAnotherHostIsRefused() throws {
        let leaf = try pki.leaf(["shop.example.test"])
        let error = #expect(throws: CertificateStoreError.self) {
            try store.add(host: "bank.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        }
        #expect(error?.message == "the certificate does not cover bank.example.test: it covers shop.example.test")
        #expect(store.entries().isEmpty)
    }

    @Test func wildcardsCoverOneLabelOnly() throws {
        let leaf = try pki.leaf(["*.apps.example.test"])
        try store.add(host: "*.apps.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        try store.add(host: "blog.apps.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        for host in ["a.b.apps.example.test", "apps.example.test"] {
            #expect(throws: CertificateStoreError.self) {
                try store.add(host: host, certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
            }
        }
        #expect(store.entries().map(\.host) == ["*.apps.example.test", "blog.apps.example.test"])
        // A wildcard host needs the same wildcard in the certificate, not just one name under it.
        let single = try pki.leaf(["x.apps.example.test"])
        #expect(throws: CertificateStoreError.self) {
            try store.add(host: "*.apps.example.test", certificatePEM: single.certificatePEM, keyPEM: single.keyPEM, source: .manual)
        }
    }

    @Test func rsaKeysWork() throws {
        let leaf = try pki.leaf(["rsa.example.test"], rsa: true)
        let record = try store.add(host: "rsa.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        #expect(record.host.name == "rsa.example.test")
    }

    @Test(arguments: [
        ("127.0.0.1", "IP addresses"), ("[::1]", "IP addresses"), ("localhost", "fully qualified"),
        ("../etc.example.test", "empty label"), ("a..example.test", "empty label"), ("-a.example.test", "starts or ends"),
        ("a_b.example.test", "may only hold"), ("*.com", "wildcard needs"), ("a.*.example.test", "may only hold"),
        (String(repeating: "a.", count: 127) + "test", "longer than 253"), ("", "empty"), ("shop.example.123", "all digits"),
    ])
    func hostileHostNamesAreRefusedWithTheReason(host: String, reason: String) throws {
        let leaf = try pki.leaf(["shop.example.test"])
        let error = #expect(throws: CertificateStoreError.self) {
            try store.add(host: host, certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        }
        #expect(error?.kind == .invalidHost)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: store.directory.path) || store.entries().isEmpty)
    }

    @Test func filesThatAreNotACertificateAndKeyAreRefusedWithTheReason() throws {
        let leaf = try pki.leaf(["shop.example.test"])
        let cases: [(String, String, String)] = [
            ("not pem at all", leaf.keyPEM, "not PEM"),
            (leaf.keyPEM, leaf.keyPEM, "not a CERTIFICATE"),
            (leaf.certificatePEM, leaf.certificatePEM, "not a private key"),
            (leaf.certificatePEM, "garbage", "not one PEM private key"),
            (leaf.certificatePEM, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted"),
            ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", leaf.keyPEM, "does not parse as X.509"),
        ]
        for (certificate, key, reason) in cases {
            let error = #expect(throws: CertificateStoreError.self) {
                try store.add(host: "shop.example.test", certificatePEM: certificate, keyPEM: key, source: .manual)
            }
            #expect(error?.kind == .invalidCertificate)
            #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        }
        #expect(store.entries().isEmpty)
    }

    @Test func replacingAndRemovingChangeTheTokenTheRouterWatches() throws {
        let first = try pki.leaf(["shop.example.test"])
        let second = try pki.leaf(["shop.example.test"])
        let empty = store.changeToken()
        try store.add(host: "shop.example.test", certificatePEM: first.certificatePEM, keyPEM: first.keyPEM, source: .manual)
        let afterAdd = store.changeToken()
        try store.add(host: "shop.example.test", certificatePEM: second.certificatePEM, keyPEM: second.keyPEM, source: .acme)
        let afterReplace = store.changeToken()
        #expect(Set([empty, afterAdd, afterReplace]).count == 3)
        #expect(try store.certificate(for: CertificateHost("shop.example.test"))?.bundle.keyPEM == second.keyPEM)

        try store.remove(host: CertificateHost("shop.example.test"))
        #expect(store.entries().isEmpty)
        #expect(store.changeToken() == empty)
        let error = #expect(throws: CertificateStoreError.self) { try store.remove(host: CertificateHost("shop.example.test")) }
        #expect(error?.kind == .notFound)
    }

    @Test func recoverPutsBackAPairWhoseReplacementNeverLanded() throws {
        let leaf = try pki.leaf(["shop.example.test"])
        try store.add(host: "shop.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        // As a crash between the two renames of a replacement leaves it: the old folder renamed
        // away, a staging folder (maybe half-written) beside it.
        let folder = store.directory.appendingPathComponent("shop.example.test")
        let old = store.directory.appendingPathComponent(".old-shop.example.test-\(UUID().uuidString.lowercased())")
        try FileManager.default.moveItem(at: folder, to: old)
        try FileManager.default.createDirectory(at: store.directory.appendingPathComponent(".staging-x"), withIntermediateDirectories: false)
        #expect(store.entries().isEmpty)
        store.recover()
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path) == ["shop.example.test"])
        #expect(try store.entries()[0].result.get().bundle.keyPEM == leaf.keyPEM)
    }

    @Test func aDamagedStoredFileIsReportedNotServed() throws {
        let leaf = try pki.leaf(["shop.example.test"])
        try store.add(host: "shop.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .manual)
        let key = store.directory.appendingPathComponent("shop.example.test/key.pem")
        try Data(try pki.leaf(["shop.example.test"]).keyPEM.utf8).write(to: key)  // edited by hand
        let entry = try #require(store.entries().first)
        #expect(throws: CertificateStoreError.self) { try entry.result.get() }
    }
}
