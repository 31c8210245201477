import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import Synchronization
import Testing
import TLSTestSupport

extension Integration {
    /// `slipway server`: the router is its own process (the default) and outlives the server.
    @Suite("Router process", .serialized)
    struct RouterProcessTests {
        @Test("kill -9 of the server: the app keeps answering; the restarted server takes the routes over without a failed request")
        func outlivesTheServer() async throws {
            let app = "rp-\(UUID().uuidString.prefix(6).lowercased())"
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "v1 of \(app)"))
            defer { repo.remove() }
            let pki = try TestPKI()
            defer { pki.remove() }
            let httpsPort = try freePort()
            let secure = "s-\(app).example.com"
            let https = {
                try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "--max-time", "5", "--resolve", "\(secure):\(httpsPort):127.0.0.1",
                                                                        "--cacert", pki.caCertificate.path, "https://\(secure):\(httpsPort)/"])
            }
            try await TestServer.with(arguments: ["--https", "127.0.0.1:\(httpsPort)"]) { server in
                #expect(try await server.deploy(app, source: repo.url).status == .completed)
                #expect(try await server.client.addDomain(app: try DNSLabel(app), host: "\(app).example.com").domains.count == 1)
                let routerPID = try #require(server.routerProcessID, "no router process runs")
                #expect(try await server.viaRouter(host: "\(app).example.com").body == "v1 of \(app)")

                // HTTPS from the router process: a certificate added through the API is served by SNI.
                _ = try await server.client.addDomain(app: try DNSLabel(app), host: secure)
                let leaf = try pki.leaf([secure])
                let body = try JSONEncoder().encode(CertificateAddRequest(host: secure, certificate: leaf.certificatePEM, key: leaf.keyPEM))
                let added = try await server.request(.POST, "/v1/certs", body: body)
                #expect(added.status == 201, "\(added.body)")
                var served = try await https()
                for _ in 0..<30 where served.output != "v1 of \(app)" {
                    try await Task.sleep(for: .milliseconds(200))
                    served = try await https()
                }
                #expect(served.output == "v1 of \(app)", "\(served.output)")

                // Requests one after another through the router while the server is killed and restarted.
                let tally = Mutex((ok: 0, failed: [String]()))
                let load = Task {
                    while !Task.isCancelled {
                        let answer = try? await server.viaRouter(host: "\(app).localhost")
                        if answer == nil && Task.isCancelled { break }  // cut off by the end of the load, not by the router
                        tally.withLock {
                            if answer?.body == "v1 of \(app)" { $0.ok += 1 } else { $0.failed.append("\(answer?.status ?? 0) \(answer?.body.prefix(80) ?? "no answer")") }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                await server.kill()
                try await Task.sleep(for: .seconds(1))
                #expect(try await https().output == "v1 of \(app)", "HTTPS while the server is down")
                let whileDown = tally.withLock { $0.ok }
                try await server.start()
                try await Task.sleep(for: .milliseconds(500))
                load.cancel()
                _ = await load.result
                let (ok, failed) = tally.withLock { ($0.ok, $0.failed) }
                print("router process across a server kill -9 and restart: \(ok) requests answered (\(whileDown) up to the restart), \(failed.count) failed")
                #expect(failed.isEmpty, "failed requests: \(failed.count), first: \(failed.prefix(3))")
                #expect(whileDown > 10 && ok > whileDown, "answered \(ok) (\(whileDown) before the restart)")
                #expect(server.routerProcessID == routerPID, "the server started a second router instead of taking this one over")

                // The restarted server drives the same router: a new release is served, and a domain removed goes.
                try await repo.commit(["www/index.html": "v2 of \(app)"], message: "v2")
                #expect(try await server.deploy(app, source: repo.url).release == 2)
                #expect(try await server.viaRouter(host: "\(app).example.com").body == "v2 of \(app)")
                _ = try await server.client.removeDomain(app: try DNSLabel(app), host: "\(app).example.com")
                #expect(try await server.viaRouter(host: "\(app).example.com").status == 502)

                // kill -9 of the router: the server starts it again, and it serves the kept routes.
                Foundation.kill(routerPID, SIGKILL)
                let deadline = ContinuousClock.now + .seconds(5)
                var back = false
                while !back, ContinuousClock.now < deadline {
                    back = (try? await server.viaRouter(host: "\(app).localhost"))?.body == "v2 of \(app)"
                    if !back { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(back, "the router was not back within 5 s of a kill -9")
                #expect(server.routerProcessID != nil && server.routerProcessID != routerPID)
            }
        }

        /// What ends a router left behind (a test run cut short, a data directory deleted): no server
        /// can find it any more, so it stops rather than hold its ports with a stale table.
        @Test("a router process whose control socket is gone (its data directory deleted) stops within seconds")
        func unreachableRouterStops() async throws {
            try await TestServer.with { server in
                let pid = try #require(server.routerProcessID, "no router process runs")
                await server.kill()  // nothing starts it again now
                try FileManager.default.removeItem(at: server.dataDirectory.appendingPathComponent("router/control.sock"))
                let deadline = ContinuousClock.now + .seconds(5)
                while TestServer.isRunning(pid), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                #expect(!TestServer.isRunning(pid), "the unreachable router process \(pid) still runs")
                let log = (try? String(contentsOf: server.dataDirectory.appendingPathComponent("router/router.log"), encoding: .utf8)) ?? ""
                #expect(log.contains("control socket was removed"), "\(log.suffix(1000))")
            }
        }

        @Test("--in-process-router excludes --standalone-router and --external-router: refused before anything starts")
        func inProcessExcludesTheProcessFlags() async throws {
            for other in ["--standalone-router", "--external-router"] {
                let result = try await runCLI(["server", "--in-process-router", other, "--data", "/nonexistent-slipway"])
                #expect(result.status != 0 && result.output.contains("--in-process-router excludes"), "\(other): \(result.output)")
            }
            #expect(!FileManager.default.fileExists(atPath: "/nonexistent-slipway"))
        }
    }
}
