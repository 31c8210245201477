import ACMETestSupport
import Foundation
import SlipwayCore
import SlipwayTestSupport
import SwiftASN1
import Testing
import X509

extension Integration {
    /// Wildcards with DNS-01 end to end: `slipway server --domain apps.ZONE --acme-dns rfc2136://...`
    /// with a real BIND authoritative for ZONE (TSIG-signed updates) and a real pebble resolving
    /// and validating through it. One `*.apps.ZONE` certificate serves every app by SNI.
    @Suite("ACME wildcards through DNS-01", .serialized)
    struct ACMEWildcardTests {
        @Test("--acme-dns gets *.DOMAIN once, the router serves it for two apps by SNI, and *.APP.DOMAIN for the app with two routed services; a wildcard custom domain gets its own; a wildcard in a zone the server does not hold shows its failure in `slipway certs`")
        func wildcardServesEveryApp() async throws {
            let suffix = UUID().uuidString.prefix(6).lowercased()
            let apps = ["wa-\(suffix)", "wb-\(suffix)"]
            let routerPort = try freePort()
            let httpsPort = try freePort()
            var repos: [GitRepository] = []
            // The first app has two routed services: api.APP.DOMAIN is not covered by *.DOMAIN (one label).
            repos.append(try await GitRepository(files: Self.twoServices(apps[0])))
            repos.append(try await GitRepository(files: GitRepository.helloFiles(page: "hello from \(apps[1])", replicas: 1)))
            defer { for repo in repos { repo.remove() } }
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
                        try await Self.waitForFile(certificateFile)
                        let pem = try String(contentsOf: certificateFile, encoding: .utf8)
                        let leaf = try Certificate(pemDocument: try #require(try PEMDocument.parseMultiple(pemString: pem).first))
                        #expect(Array(try #require(try leaf.extensions.subjectAlternativeNames)) == [.dnsName("*.\(domain)")])

                        // Two apps, one certificate: curl trusting only pebble's root, each host by SNI.
                        let root = pebble.directory.appendingPathComponent("issuing-root.pem")
                        try Data(try await pebble.issuingRootPEM().utf8).write(to: root)
                        for app in apps {
                            let served = try await Self.httpsGet("\(app).\(domain)", port: httpsPort, trusting: root)
                            #expect(served.status == 0 && served.output == "hello from \(app)", "\(app).\(domain): \(served.output)")
                        }
                        // The app with two routed services gets *.APP.DOMAIN, which serves api.APP.DOMAIN;
                        // the app with one gets none (APP.DOMAIN is *.DOMAIN's).
                        let serviceHost = "api.\(apps[0]).\(domain)"
                        try await Self.waitForFile(server.dataDirectory.appendingPathComponent("certs/*.\(apps[0]).\(domain)/cert.pem"))
                        let serviceServed = try await Self.httpsGet(serviceHost, port: httpsPort, trusting: root)
                        #expect(serviceServed.status == 0 && serviceServed.output == "api of \(apps[0])", "\(serviceHost): \(serviceServed.output)")
                        #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("certs/*.\(apps[1]).\(domain)").path))

                        // A wildcard custom domain in the zone the DNS server holds gets its own certificate
                        // the same way, and serves the app for any name below it.
                        let custom = "*.\(apps[1]).\(bind.zone)"
                        #expect(try await cli(["domains", "add", apps[1], custom]).status == 0)
                        try await Self.waitForFile(server.dataDirectory.appendingPathComponent("certs/\(custom)/cert.pem"))
                        let shopHost = "eu.\(apps[1]).\(bind.zone)"
                        let customServed = try await Self.httpsGet(shopHost, port: httpsPort, trusting: root)
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

        /// Waits up to 90 s for a file the server writes (a certificate the CA issues).
        static func waitForFile(_ file: URL) async throws {
            let deadline = ContinuousClock.now + .seconds(90)
            while !FileManager.default.fileExists(atPath: file.path), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        /// curl over HTTPS to the router, resolving `host` to loopback and trusting only `root`;
        /// tried for up to 10 s (the router looks at DATA/certs every second).
        static func httpsGet(_ host: String, port: Int, trusting root: URL) async throws -> (status: Int32, output: String) {
            let curl = ["--resolve", "\(host):\(port):127.0.0.1", "--cacert", root.path, "-sS", "--max-time", "10", "https://\(host):\(port)/"]
            var served = (status: Int32(-1), output: "")
            let deadline = ContinuousClock.now + .seconds(10)
            repeat {
                served = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), curl)
                if served.status == 0 { break }
                try await Task.sleep(for: .milliseconds(250))
            } while ContinuousClock.now < deadline
            return served
        }

        /// An app with two routed services: web answers "hello from APP", api "api of APP".
        static func twoServices(_ app: String) -> [String: String] {
            [
                "Dockerfile": "FROM busybox\nCOPY www /www\nCOPY api /api\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
                "www/index.html": "hello from \(app)",
                "api/index.html": "api of \(app)",
                "slipway.yaml": "services:\n  web:\n    port: 8080\n    replicas: 1\n  api:\n    port: 8080\n    replicas: 1\n    command: \"exec httpd -f -p 8080 -h /api\"\n",
            ]
        }

        /// The server's own `*.DOMAIN` belongs to no app: its failure goes to the notification
        /// targets added without an app (and is in no app's events). The ACME directory is
        /// unreachable here (a port nothing listens on): one of the faults the issue names.
        @Test("the server's *.DOMAIN certificate failing is a cert.failed notification to the server-wide targets")
        func serverCertificateFailureNotifies() async throws {
            let receiver = try await ScriptedServer()
            receiver.script(.ok("{}"), .ok("{}"), .ok("{}"))
            let closedPort = try freePort()
            let domain = "apps-\(UUID().uuidString.prefix(6).lowercased()).example.net"
            let arguments = ["--domain", domain, "--acme-email", "ops@example.net", "--acme-directory", "https://127.0.0.1:\(closedPort)/dir",
                             "--acme-dns", "rfc2136://slipway-acme:c2VjcmV0@127.0.0.1:\(closedPort)", "--https", "127.0.0.1:\(try freePort())"]
            do {
                try await TestServer.with(arguments: arguments) { server in
                    let cli = { (arguments: [String]) in try await runCLI(arguments + ["--server", server.baseURL]) }
                    let added = try await cli(["notify", "add", "\(receiver.url)/server", "--events", "cert.failed", "--json"])
                    #expect(added.status == 0, "\(added.output)")
                    // The renewer tries at start: the next start's first pass fails again, now with a target.
                    await server.stop()
                    try await server.start()
                    let deadline = ContinuousClock.now + .seconds(30)
                    while receiver.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
                    let request = try #require(receiver.requests.first, "no cert.failed notification for *.\(domain)")
                    #expect(request.header("X-Slipway-Event") == "cert.failed")
                    let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
                    #expect(body?["event"] as? String == "cert.failed" && body?["app"] == nil, "\(request.bodyJSON)")
                    #expect((body?["message"] as? String)?.contains("*.\(domain)") == true, "\(request.bodyJSON)")
                    let log = try await cli(["notify", "log"])
                    #expect(log.output.contains("(server)") && log.output.contains("cert.failed"), "\(log.output)")
                }
            } catch {
                try? await receiver.stop()
                throw error
            }
            try await receiver.stop()
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
