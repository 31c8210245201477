import CertificateStore
import Foundation
import HTTPTypes
import SlipwayCore
@testable import SlipwayServer
import SlipwayRouter
import TLSTestSupport
import Testing

/// `/v1/certs` in process, with certificates made by openssl: what is refused leaves nothing on
/// disk, what is stored is listed (never with its key) and its key file is private.
@Suite struct CertificateAPITests {
    static func body(host: String, _ leaf: TestPKI.Leaf, key: TestPKI.Leaf? = nil) throws -> String {
        let request = CertificateAddRequest(host: host, certificate: leaf.certificatePEM, key: (key ?? leaf).keyPEM)
        return String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
    }

    @Test func refusedCertificatesLeaveNothingAndAGoodOneIsListedWithoutItsKey() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let good = try pki.leaf(["shop.example.test"])
        let expired = try pki.leaf(["shop.example.test"], days: -1)
        let other = try pki.leaf(["shop.example.test"])
        try await InProcessServer.with { server in
            let certs = server.configuration.certificatesDirectory
            let attacks: [(String, String, String)] = [
                (try Self.body(host: "shop.example.test", expired), "invalid_certificate", "expired on"),
                (try Self.body(host: "shop.example.test", good, key: other), "invalid_certificate", "does not belong"),
                (try Self.body(host: "bank.example.test", good), "invalid_certificate", "does not cover bank.example.test"),
                (try Self.body(host: "../../etc", good), "invalid_host", "empty label"),
                (try Self.body(host: "127.0.0.1", good), "invalid_host", "IP addresses"),
            ]
            for (body, code, reason) in attacks {
                let answer = try await server.request(.post, "/v1/certs", body: body)
                #expect(answer.status == 400 && answer.errorCode == code, "\(answer.body)")
                #expect(answer.errorMessage?.contains(reason) == true, "\(answer.body)")
            }
            let stored = (try? FileManager.default.contentsOfDirectory(atPath: certs.path)) ?? []
            #expect(stored.isEmpty, "refused input left \(stored)")
            #expect(try await server.request(.get, "/v1/certs").decode(CertificateList.self).certificates.isEmpty)

            let added = try await server.request(.post, "/v1/certs", body: try Self.body(host: "shop.example.test", good))
            #expect(added.status == 201, "\(added.body)")
            let list = try await server.request(.get, "/v1/certs")
            let views = try list.decode(CertificateList.self).certificates
            #expect(views.map(\.host) == ["shop.example.test"] && views.first?.source == "manual" && views.first?.issuer == "Slipway Test CA")
            #expect(!list.body.contains("PRIVATE KEY") && !added.body.contains("PRIVATE KEY"))
            let mode = try FileManager.default.attributesOfItem(atPath: certs.appendingPathComponent("shop.example.test/key.pem").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let removed = try await server.request(.delete, "/v1/certs/shop.example.test")
            #expect(removed.status == 200 && removed.json?["removed"] as? Bool == true, "\(removed.body)")
            #expect(try await server.request(.get, "/v1/certs").decode(CertificateList.self).certificates.isEmpty)
        }
    }
}

/// The router's certificates follow the store: what another writer (the ACME client, another
/// process) stores is served after the reloader's next look; a damaged file never replaces a good one.
@Suite struct CertificateReloaderTests {
    @Test func theServedSetFollowsTheStore() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let store = CertificateStore(directory: pki.directory.appendingPathComponent("certs"))
        let served = ServedCertificates()
        let reloader = CertificateReloader(store: store, served: served, logger: InProcessServer.logger)
        await reloader.reloadIfChanged()
        #expect(served.hosts.isEmpty)

        let leaf = try pki.leaf(["shop.example.test"])
        try store.add(host: "shop.example.test", certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: .acme)
        await reloader.reloadIfChanged()
        #expect(served.hosts == ["shop.example.test"] && served.covers(host: "shop.example.test"))

        // Hand-damaged: the key no longer matches. The store refuses to load it, the router keeps nothing new.
        let other = try pki.leaf(["blog.example.test"])
        try store.add(host: "blog.example.test", certificatePEM: other.certificatePEM, keyPEM: other.keyPEM, source: .manual)
        try Data(leaf.keyPEM.utf8).write(to: store.directory.appendingPathComponent("blog.example.test/key.pem"))
        await reloader.reloadIfChanged()
        #expect(served.hosts == ["shop.example.test"])

        try store.remove(host: CertificateHost("shop.example.test"))
        await reloader.reloadIfChanged()
        #expect(served.hosts.isEmpty)
    }
}
