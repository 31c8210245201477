import ACMETestSupport
import Foundation
import SlipwayCore
import SwiftASN1
import Testing
import X509

extension Integration {
    /// Wildcards with DNS-01 end to end: `slipway server --domain apps.ZONE --acme-dns rfc2136://...`
    /// with a real BIND authoritative for ZONE (TSIG-signed updates) and a real pebble resolving
    /// and validating through it. One `*.apps.ZONE` certificate serves every app by SNI.
    @Suite("ACME wildcards through DNS-01", .serialized)
    struct ACMEWildcardTests {
        @Test("--acme-dns gets *.DOMAIN once, the router serves it for two apps by SNI; a wildcard custom domain gets its own; a wildcard in a zone the server does not hold shows its failure in `slipway certs`")
        func wildcardServesEveryApp() async throws {
            let suffix = UUID().uuidString.prefix(6).lowercased()
            let apps = ["wa-\(suffix)", "wb-\(suffix)"]
            let routerPort = try freePort()
            let httpsPort = try freePort()
            var repos: [GitRepository] = []
            for app in apps { repos.append(try await GitRepository(files: GitRepository.helloFiles(page: "hello from \(app)", replicas: 1))) }
            defer { repos.forEach { $0.remove() } }
            try await BindHarness.withBind { bind in
                try await PebbleHarness.withPebble(httpPort: routerPort, dnsServer: bind.address) { pebble in
                    let domain = "apps.\(bind.zone)"
                    let arguments = ["--http", "127.0.0.1:\(routerPort)", "--https", "127.0.0.1:\(httpsPort)", "--domain", domain,
                                     "--acme-email", "ops@\(bind.zone)", "--acme-directory", pebble.directoryURL, "--acme-ca-cert", pebble.caFile,
                                     "--acme-dns", bind.updateURL]
                    try await TestServer.with(arguments: arguments) { server in
                        for (app, repo) in zip(apps, repos) {
                            #expect(try await server.deploy(app, source: repo.url).status == .completed)
                        }
                        let cli = { (arguments: [String]) in try await runCLI(arguments + ["--server", server.baseURL]) }
                        let certificateFile = server.dataDirectory.appendingPathComponent("certs/*.\(domain)/cert.pem")
                        let deadline = ContinuousClock.now + .seconds(90)
                        while !FileManager.default.fileExists(atPath: certificateFile.path), ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(200))
                        }
                        let pem = try String(contentsOf: certificateFile, encoding: .utf8)
                        let leaf = try Certificate(pemDocument: try #require(try PEMDocument.parseMultiple(pemString: pem).first))
                        #expect(Array(try #require(try leaf.extensions.subjectAlternativeNames)) == [.dnsName("*.\(domain)")])

                        // Two apps, one certificate: curl trusting only pebble's root, each host by SNI.
                        let root = pebble.directory.appendingPathComponent("issuing-root.pem")
                        try Data(try await pebble.issuingRootPEM().utf8).write(to: root)
                        for app in apps {
                            let host = "\(app).\(domain)"
                            let curl = ["--resolve", "\(host):\(httpsPort):127.0.0.1", "--cacert", root.path, "-sS", "--max-time", "10", "https://\(host):\(httpsPort)/"]
                            var served = (status: Int32(-1), output: "")
                            let servedBy = ContinuousClock.now + .seconds(10)  // the router looks at DATA/certs every second
                            repeat {
                                served = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), curl)
                                if served.status == 0 { break }
                                try await Task.sleep(for: .milliseconds(250))
                            } while ContinuousClock.now < servedBy
                            #expect(served.status == 0 && served.output == "hello from \(app)", "\(host): \(served.output)")
                        }
                        // A wildcard custom domain in the zone the DNS server holds gets its own certificate
                        // the same way, and serves the app for any name below it.
                        let custom = "*.\(apps[1]).\(bind.zone)"
                        #expect(try await cli(["domains", "add", apps[1], custom]).status == 0)
                        let customFile = server.dataDirectory.appendingPathComponent("certs/\(custom)/cert.pem")
                        let issuedBy = ContinuousClock.now + .seconds(90)
                        while !FileManager.default.fileExists(atPath: customFile.path), ContinuousClock.now < issuedBy {
                            try await Task.sleep(for: .milliseconds(200))
                        }
                        let shopHost = "eu.\(apps[1]).\(bind.zone)"
                        let viaCustom = ["--resolve", "\(shopHost):\(httpsPort):127.0.0.1", "--cacert", root.path, "-sS", "--max-time", "10", "https://\(shopHost):\(httpsPort)/"]
                        var customServed = (status: Int32(-1), output: "")
                        let customBy = ContinuousClock.now + .seconds(10)
                        repeat {
                            customServed = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), viaCustom)
                            if customServed.status == 0 { break }
                            try await Task.sleep(for: .milliseconds(250))
                        } while ContinuousClock.now < customBy
                        #expect(customServed.status == 0 && customServed.output == "hello from \(apps[1])", "\(shopHost): \(customServed.output)")

                        // The challenge records were removed once the order was done.
                        let leftovers = try await runProcess(URL(fileURLWithPath: "/usr/bin/dig"),
                                                             ["@127.0.0.1", "-p", String(bind.port), "+tcp", "+short", "TXT", "_acme-challenge.\(domain)"])
                        #expect(leftovers.status == 0 && leftovers.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(leftovers.output)")

                        // A wildcard custom domain in a zone this DNS server does not hold: refused,
                        // shown with its reason and next retry, and the app keeps its other hosts.
                        let foreign = "*.\(apps[0]).example.org"
                        #expect(try await cli(["domains", "add", apps[0], foreign]).status == 0)
                        var listed = CertificateList(certificates: [])
                        let failedBy = ContinuousClock.now + .seconds(60)
                        repeat {
                            let output = try await cli(["certs", "--json"]).output
                            listed = try Timestamp.decoder().decode(CertificateList.self, from: Data(output.utf8))
                            if listed.certificates.contains(where: { $0.host == foreign && $0.lastFailure != nil }) { break }
                            try await Task.sleep(for: .milliseconds(300))
                        } while ContinuousClock.now < failedBy
                        let failed = try #require(listed.certificates.first { $0.host == foreign }, "\(listed)")
                        let failure = try #require(failed.lastFailure)
                        #expect(failure.reason.contains("example.org") && failure.failures >= 1 && failure.nextRetry != nil, "\(failure)")
                        #expect(listed.certificates.contains { $0.host == "*.\(domain)" && $0.source == "acme" && $0.lastFailure == nil })
                        #expect(listed.certificates.contains { $0.host == custom && $0.source == "acme" && $0.lastFailure == nil })
                        let text = try await cli(["certs"])
                        #expect(text.output.contains("ACME failed for \(foreign)") && text.output.contains("next try"), "\(text.output)")
                        for app in apps { #expect(try await cli(["destroy", app]).status == 0) }
                    }
                }
            }
        }

        @Test("a bad --acme-dns stops the server at start with what is wrong, never repeating the secret; without --acme-email it is refused")
        func badDNSOptionsAreRefused() async throws {
            let secret = "c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw=="
            for (url, says) in [("http://slipway-acme:\(secret)@ns1.example.com:53", "rfc2136://"),
                                ("rfc2136://slipway-acme:\(secret)@ns1.example.com:99999", "port"),
                                ("rfc2136://ns1.example.com:53", "KEYNAME:SECRET")] {
                let result = try await runCLI(["server", "--acme-email", "ops@example.com", "--acme-dns", url, "--data", "/nonexistent-slipway"])
                #expect(result.status != 0 && result.output.contains("--acme-dns") && result.output.contains(says), "\(url): \(result.output)")
                #expect(!result.output.contains(secret), "the secret was repeated: \(result.output)")
            }
            let notBase64 = try await runCLI(["server", "--acme-email", "ops@example.com", "--acme-dns", "rfc2136://k:not*base64@h:53", "--data", "/nonexistent-slipway"])
            #expect(notBase64.status != 0 && notBase64.output.contains("base64") && !notBase64.output.contains("not*base64"), "\(notBase64.output)")
            let orphan = try await runCLI(["server", "--acme-dns", "rfc2136://k:\(secret)@h:53"])
            #expect(orphan.status != 0 && orphan.output.contains("need --acme-email"), "\(orphan.output)")
        }
    }
}
