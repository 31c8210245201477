import Foundation
import Logging
import NIOCore
import NIOPosix
import TLSTestSupport
import Testing

@testable import SlipwayRouter
import TestPorts

/// A router with its HTTPS listener, certificates made by openssl (a private CA and its leaves),
/// apps under `example.test`, and the real curl as the client (`--resolve` points names at loopback).
final class TLSRouterHarness: Sendable {
    let router: Router
    let routes: RouteTable
    let certificates: ServedCertificates
    let pki: TestPKI
    let httpPort: Int
    let httpsPort: Int

    static func start(hsts: String? = nil, configuration: RouterConfiguration = .init()) async throws -> TLSRouterHarness {
        let pki = try TestPKI()
        let routes = RouteTable(domain: "example.test")
        let certificates = ServedCertificates()
        var logger = Logger(label: "test.router.tls")
        logger.logLevel = .warning
        let tls = RouterTLS(host: "127.0.0.1", port: try TestPorts.next(), certificates: certificates, strictTransportSecurity: hsts)
        let router = Router(host: "127.0.0.1", port: try TestPorts.next(), routes: routes, logger: logger, configuration: configuration, tls: tls)
        let httpPort = try await router.start()
        return TLSRouterHarness(router: router, routes: routes, certificates: certificates, pki: pki, httpPort: httpPort,
                                httpsPort: try #require(router.boundHTTPSPort))
    }

    private init(router: Router, routes: RouteTable, certificates: ServedCertificates, pki: TestPKI, httpPort: Int, httpsPort: Int) {
        (self.router, self.routes, self.certificates, self.pki, self.httpPort, self.httpsPort) = (router, routes, certificates, pki, httpPort, httpsPort)
    }

    /// Serves a new leaf for each host (a wildcard host gets a wildcard certificate).
    func serve(_ hosts: [String]) throws {
        let entries = try hosts.map { host in
            let leaf = try pki.leaf([host])
            return ServedCertificates.Entry(host: host, chainPEM: leaf.certificatePEM, keyPEM: leaf.keyPEM)
        }
        #expect(self.certificates.replace(with: entries).isEmpty)
    }

    /// curl over HTTPS to `host` (resolved to loopback, the CA trusted), plus `extra` arguments.
    func https(_ host: String, path: String = "/", _ extra: [String] = []) async throws -> Curl.Result {
        try await Curl.run(["--cacert", pki.caCertificate.path, "--resolve", "\(host):\(httpsPort):127.0.0.1"] + extra
                           + ["https://\(host):\(httpsPort)\(path)"])
    }

    /// curl over plain HTTP with `Host: host`.
    func http(_ host: String, path: String = "/", _ extra: [String] = []) async throws -> Curl.Result {
        try await Curl.run(["-H", "Host: \(host)"] + extra + ["http://127.0.0.1:\(httpPort)\(path)"])
    }

    func shutdown() async throws {
        try await self.router.stop()
        self.pki.remove()
    }
}

@Suite(.serialized, .timeLimit(.minutes(3)))
struct RouterTLSTests {
    @Test func eachHostGetsItsOwnCertificateBySNIAndWildcardsCoverOneLabel() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let blog = try await TestBackend.start(name: "blog")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")
        harness.routes.setRoutes(app: "blog", services: ["web": [Backend(port: blog.port)]], defaultService: "web")
        // Each leaf names only its own host: curl verifies the name, so a wrong certificate fails.
        try harness.serve(["shop.example.test", "*.blog.example.test", "blog.example.test"])

        let shopAnswer = try await harness.https("shop.example.test")
        #expect(shopAnswer.exitCode == 0 && shopAnswer.status == 200 && shopAnswer.body == "shop", "\(shopAnswer)")
        #expect(try await harness.https("blog.example.test").body == "blog")
        // The wildcard's certificate for a name one label below (routed to blog's web service).
        let wildcard = try await harness.https("web.blog.example.test")
        #expect(wildcard.exitCode == 0 && wildcard.body == "blog", "\(wildcard)")
        // Two labels below: no certificate covers it, the handshake fails.
        let deep = try await harness.https("a.web.blog.example.test", ["--insecure"])
        #expect(deep.exitCode != 0 && deep.status == 0, "\(deep)")

        try await harness.shutdown()
        await shop.stop()
        await blog.stop()
    }

    @Test func anUnknownOrMissingServerNameGetsAFailedHandshakeNotAnotherHostsCertificate() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")
        try harness.serve(["shop.example.test"])

        // The attacker asks for another name, even accepting any certificate: none is shown.
        for extra in [[], ["--insecure"]] {
            let other = try await harness.https("bank.example.test", extra)
            #expect(other.exitCode == 35 && other.status == 0, "\(other)")  // 35: TLS handshake failed
        }
        // No SNI at all (an IP address as the name).
        let bare = try await Curl.run(["--insecure", "https://127.0.0.1:\(harness.httpsPort)/"])
        #expect(bare.exitCode == 35 && bare.status == 0, "\(bare)")
        // The name it has a certificate for still works.
        #expect(try await harness.https("shop.example.test").body == "shop")
        try await harness.shutdown()
        await shop.stop()
    }

    @Test func certificatesReloadWithoutARestart() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")

        #expect(try await harness.https("shop.example.test").exitCode == 35)
        try harness.serve(["shop.example.test"])
        #expect(try await harness.https("shop.example.test").body == "shop")
        // A broken entry keeps the host's last good certificate.
        let failures = harness.certificates.replace(with: [.init(host: "shop.example.test", chainPEM: "junk", keyPEM: "junk")])
        #expect(failures.map(\.host) == ["shop.example.test"])
        #expect(try await harness.https("shop.example.test").body == "shop")
        // Removed: new handshakes fail at once.
        harness.certificates.replace(with: [])
        #expect(try await harness.https("shop.example.test").exitCode == 35)
        try await harness.shutdown()
        await shop.stop()
    }

    @Test func backendsAreToldTheSchemeTheClientUsedAndCannotBeLiedTo() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")
        try harness.serve(["shop.example.test"])

        func forwardedProto(_ result: Curl.Result) -> [String] {
            result.body.split(separator: "\n").filter { $0.hasPrefix("x-forwarded-proto:") }.map { String($0.dropFirst(19)).trimmingCharacters(in: .whitespaces) }
        }
        #expect(forwardedProto(try await harness.https("shop.example.test", path: "/headers")) == ["https"])
        // A client over TLS claiming http, and one over plain HTTP claiming https: both replaced.
        let spoofedTLS = try await harness.https("shop.example.test", path: "/headers", ["-H", "X-Forwarded-Proto: http"])
        #expect(forwardedProto(spoofedTLS) == ["https"], "\(spoofedTLS.body)")
        let spoofedPlain = try await harness.http("plain.example.test", path: "/headers", ["-H", "X-Forwarded-Proto: https"])
        #expect(spoofedPlain.status == 502)  // no app there; now one without a certificate:
        harness.routes.setRoutes(app: "plain", services: ["web": [Backend(port: shop.port)]], defaultService: "web")
        let plain = try await harness.http("plain.example.test", path: "/headers", ["-H", "X-Forwarded-Proto: https"])
        #expect(forwardedProto(plain) == ["http"], "\(plain.body)")
        try await harness.shutdown()
        await shop.stop()
    }

    @Test func aTrustedProxyInFrontKeepsTheSchemeItReports() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let harness = try await TLSRouterHarness.start(configuration: .init(trustedProxies: [try #require(IPNetwork("127.0.0.0/8"))]))
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")
        try harness.serve(["shop.example.test"])
        // A TLS-terminating proxy on loopback forwards over HTTPS and says the client used http.
        let kept = try await harness.https("shop.example.test", path: "/headers", ["-H", "X-Forwarded-Proto: http"])
        let lines = kept.body.split(separator: "\n").filter { $0.hasPrefix("x-forwarded-proto:") }
        #expect(lines == ["x-forwarded-proto: http"], "\(kept.body)")
        try await harness.shutdown()
        await shop.stop()
    }

    @Test func plainHTTPIsRedirectedOnceAHostHasACertificateExceptACMEChallenges() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let harness = try await TLSRouterHarness.start(hsts: "max-age=31536000")
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")

        // No certificate yet: plain HTTP serves the app.
        #expect(try await harness.http("shop.example.test").body == "shop")
        try harness.serve(["shop.example.test"])
        let redirected = try await harness.http("SHOP.example.test:80", path: "/cart?item=1", ["-X", "POST", "-d", "x=1"])
        #expect(redirected.status == 308, "\(redirected)")
        #expect(redirected.headers["location"] == "https://shop.example.test:\(harness.httpsPort)/cart?item=1")
        #expect(redirected.headers["strict-transport-security"] == nil)  // only over HTTPS
        // ACME HTTP-01 checks stay on plain HTTP.
        harness.router.challengeTokens.set(token: "tok", keyAuthorization: "tok.thumb")
        let challenge = try await harness.http("shop.example.test", path: "/.well-known/acme-challenge/tok")
        #expect(challenge.status == 200 && challenge.body.hasPrefix("tok.thumb"), "\(challenge)")
        // Following the redirect lands on HTTPS, with HSTS.
        let followed = try await Curl.run(["-L", "--cacert", harness.pki.caCertificate.path,
                                           "--resolve", "shop.example.test:\(harness.httpsPort):127.0.0.1",
                                           "--resolve", "shop.example.test:\(harness.httpPort):127.0.0.1",
                                           "http://shop.example.test:\(harness.httpPort)/"])
        #expect(followed.status == 200 && followed.body == "shop", "\(followed)")
        #expect(followed.headers["strict-transport-security"] == "max-age=31536000")
        // The router's own answers over HTTPS carry it too.
        let error = try await harness.https("shop.example.test", path: "/", ["-X", "GET", "-H", "Host: none.example.test"])
        #expect(error.status == 502 && error.headers["strict-transport-security"] == "max-age=31536000", "\(error)")
        try await harness.shutdown()
        await shop.stop()
    }

    @Test func webSocketsWorkOverTLS() async throws {
        let app = try await WebSocketApp.start()
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "chat", services: ["web": [Backend(port: app.port)]], defaultService: "web")
        try harness.serve(["chat.example.test"])

        let result = try await WebSocketApp.client(port: harness.httpsPort, host: "chat.example.test", mode: "client-close",
                                                   caFile: harness.pki.caCertificate.path)
        #expect(result["status"] as? Int == 101)
        #expect(result["text"] as? String == "hello")
        #expect(result["binary_echoed"] as? Bool == true)
        #expect(result["close_code"] as? Int == 1000)
        try await harness.shutdown()
        await app.stop()
    }

    /// With HTTPS on, the router has two listeners: stop() closes both (a connect to either is
    /// refused once it returns) and ends the plain listener's keep-alive connections too, rather than
    /// leaving them open (one quiescing helper used to serve both listeners and took only the first).
    @Test func stopClosesBothListenersAndEndsPlainConnections() async throws {
        let web = try await TestBackend.start(name: "web")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "bye", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        let client = try await RawClient.connect(port: harness.httpPort)
        try await client.send("GET / HTTP/1.1\r\nHost: bye.example.test\r\n\r\n")
        #expect(await eventually { client.text.hasSuffix("\r\n\r\nweb") }, "\(client.text)")

        try await harness.shutdown()
        #expect(await eventually(timeout: .seconds(20)) { !client.isOpen })
        for port in [harness.httpPort, harness.httpsPort] {
            await #expect(throws: (any Error).self, "port \(port) still accepts connections") {
                try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port).get().close()
            }
        }
        await client.close()
        await web.stop()
    }
}
