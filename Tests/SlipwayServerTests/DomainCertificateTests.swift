import CertificateStore
import Foundation
import HTTPTypes
import SlipwayCore
import SlipwayServer
import TLSTestSupport
import Testing

/// The certificates a server obtained for an app's hosts go with the hosts: a domain removed, an
/// app destroyed. Nothing renews them afterwards and `slipway certs` stops listing them; a
/// certificate the operator added by hand stays theirs.
@Suite("Certificates of removed hosts")
struct DomainCertificateTests {
    @Test("removing a domain removes its ACME certificate; destroying the app removes its domains' and *.APP.DOMAIN's; manual ones stay")
    func certificatesFollowTheirHosts() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        try await InProcessServer.with(configure: { $0.domain = "apps.example.test" }) { server in
            let certificates = CertificateStore(directory: server.configuration.certificatesDirectory)
            func store(_ host: String, _ source: CertificateSource) throws {
                let leaf = try pki.leaf([host])
                try certificates.add(host: host, certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM, source: source)
            }
            func stored() -> [String] { certificates.entries().map(\.host) }
            _ = try await server.deploy("shop")
            for host in ["shop.example.test", "www.shop.example.test", "own.shop.example.test"] {
                #expect(try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "\#(host)"}"#).status == 201)
            }
            try store("shop.example.test", .acme)
            try store("www.shop.example.test", .acme)
            try store("own.shop.example.test", .manual)
            try store("*.shop.apps.example.test", .acme)
            try store("*.apps.example.test", .acme)  // the server's own wildcard: no app's

            #expect(try await server.request(.delete, "/v1/apps/shop/domains?host=www.shop.example.test").status == 200)
            #expect(stored() == ["*.apps.example.test", "*.shop.apps.example.test", "own.shop.example.test", "shop.example.test"])

            #expect(try await server.request(.delete, "/v1/apps/shop").status == 200)
            #expect(stored() == ["*.apps.example.test", "own.shop.example.test"])
            let listed = try await server.get("/v1/certs").decode(CertificateList.self).certificates.map(\.host)
            #expect(listed == ["*.apps.example.test", "own.shop.example.test"])
        }
    }
}
