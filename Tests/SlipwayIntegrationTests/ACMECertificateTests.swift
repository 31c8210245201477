import ACMETestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayCore
import SwiftASN1
import Testing
import X509

extension Integration {
    /// Automatic HTTPS end to end: `slipway server --acme-email ... --acme-directory` pointed at a
    /// real pebble, which validates HTTP-01 against the server's own router.
    @Suite("ACME certificates", .serialized)
    struct ACMECertificateTests {
        /// Twice: with the router in the server's process (`--in-process-router`), and with the
        /// router as its own process (the default), which is handed the HTTP-01 answers over its control socket and
        /// serves the issued certificate from DATA/certs.
        @Test("domains add gets the host a certificate from the ACME CA through the router's HTTP-01 answer, stored (key 0600) and served by SNI on --https",
              arguments: [false, true])
        func domainGetsACertificate(standaloneRouter: Bool) async throws {
            let app = "acme-\(UUID().uuidString.prefix(6).lowercased())"
            let host = "\(app).example.com"
            let routerPort = try freePort()
            let httpsPort = try freePort()
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "hello from \(app)", replicas: 1))
            defer { repo.remove() }
            try await PebbleHarness.withPebble(httpPort: routerPort) { pebble in
                // The router listens where pebble validates HTTP-01 (the later --http wins).
                let arguments = ["--http", "127.0.0.1:\(routerPort)", "--https", "127.0.0.1:\(httpsPort)", "--acme-email", "ops@\(app).example.com",
                                 "--acme-directory", pebble.directoryURL, "--acme-ca-cert", pebble.caFile]
                    + (standaloneRouter ? [] : ["--in-process-router"])
                try await TestServer.with(arguments: arguments) { server in
                    #expect((server.routerProcessID != nil) == standaloneRouter)
                    #expect(try await server.deploy(app, source: repo.url).status == .completed)
                    let cli = { (arguments: [String]) in try await runCLI(arguments + ["--server", server.baseURL]) }
                    let added = try await cli(["domains", "add", app, host])
                    #expect(added.status == 0, "\(added.output)")

                    let folder = server.dataDirectory.appendingPathComponent("certs/\(host)")
                    let certificateFile = folder.appendingPathComponent("cert.pem")
                    let deadline = ContinuousClock.now + .seconds(90)
                    while !FileManager.default.fileExists(atPath: certificateFile.path), ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    let pem = try String(contentsOf: certificateFile, encoding: .utf8)
                    let leaf = try Certificate(pemDocument: try #require(try PEMDocument.parseMultiple(pemString: pem).first))
                    #expect(Array(try #require(try leaf.extensions.subjectAlternativeNames)) == [.dnsName(host)])
                    #expect(leaf.issuer.description.lowercased().contains("pebble"), "\(leaf.issuer)")
                    let key = folder.appendingPathComponent("key.pem")
                    #expect(try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? Int == 0o600)
                    let account = server.dataDirectory.appendingPathComponent("acme/account-key.pem")
                    #expect(try FileManager.default.attributesOfItem(atPath: account.path)[.posixPermissions] as? Int == 0o600)

                    let events = try await cli(["events", app])
                    #expect(events.output.contains("certificate.issued") && events.output.contains(host), "\(events.output)")
                    // A browser's view: curl trusting only the CA's root, asking for the host by SNI.
                    let root = pebble.directory.appendingPathComponent("issuing-root.pem")
                    try Data(try await pebble.issuingRootPEM().utf8).write(to: root)
                    let curl = URL(fileURLWithPath: "/usr/bin/curl")
                    let resolve = ["--resolve", "\(host):\(httpsPort):127.0.0.1", "--cacert", root.path, "-sS", "--max-time", "10"]
                    var served = (status: Int32(-1), output: "")
                    let servedBy = ContinuousClock.now + .seconds(10)  // the router looks at DATA/certs every second
                    repeat {
                        served = try await runProcess(curl, resolve + ["https://\(host):\(httpsPort)/"])
                        if served.status == 0 { break }
                        try await Task.sleep(for: .milliseconds(250))
                    } while ContinuousClock.now < servedBy
                    #expect(served.status == 0 && served.output == "hello from \(app)", "\(served.output)")
                    // Plain HTTP to the host now redirects to HTTPS.
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(routerPort)/")
                    request.headers.add(name: "Host", value: host)
                    let response = try await server.http.execute(request, timeout: .seconds(30))
                    #expect(response.status.code == 308)
                    #expect(response.headers.first(name: "location")?.hasPrefix("https://\(host)") == true)
                    #expect(try await cli(["destroy", app]).status == 0)
                }
            }
        }

        @Test("a bad --acme-email or --acme-directory stops the server at start with what to do")
        func badACMEOptionsAreRefused() async throws {
            let email = try await runCLI(["server", "--acme-email", "not-an-address", "--data", "/nonexistent-slipway"])
            #expect(email.status != 0 && email.output.contains("--acme-email takes an address"), "\(email.output)")
            let directory = try await runCLI(["server", "--acme-email", "ops@example.com", "--acme-directory", "http://ca.example/dir", "--data", "/nonexistent-slipway"])
            #expect(directory.status != 0 && directory.output.contains("--acme-directory takes the https URL"), "\(directory.output)")
            let orphan = try await runCLI(["server", "--acme-directory", "https://ca.example/dir"])
            #expect(orphan.status != 0 && orphan.output.contains("need --acme-email"), "\(orphan.output)")
        }
    }
}
