import Foundation
import NIOHTTP1
import SlipwayCore
import Testing

extension Integration {
    /// Custom domains and maintenance mode end to end: the CLI, the server, the real router and a
    /// real replica on Podman.
    @Suite("Domains and maintenance", .serialized)
    struct DomainsTests {
        @Test("domains add/remove and maintenance on/off through the CLI change what the router answers, and survive a restart")
        func domainsAndMaintenance() async throws {
            let app = "edge-\(UUID().uuidString.prefix(6).lowercased())"
            let host = "\(app).example.com"
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "hello from \(app)", replicas: 1))
            defer { repo.remove() }
            try await TestServer.with { server in
                #expect(try await server.deploy(app, source: repo.url).status == .completed)
                let cli = { (arguments: [String]) in try await runCLI(arguments + ["--server", server.baseURL]) }

                let added = try await cli(["domains", "add", app, host, "--json"])
                #expect(added.status == 0, "\(added.output)")
                let list = try Timestamp.decoder().decode(DomainList.self, from: Data(added.output.utf8))
                #expect(list.domains.map(\.url) == ["http://\(host):\(server.routerPort)/"])
                #expect(try await cli(["domains", "add", app, "*.\(host)"]).status == 0)
                #expect(try await server.viaRouter(host: host).body == "hello from \(app)")
                #expect(try await server.viaRouter(host: "www.\(host):\(server.routerPort)").body == "hello from \(app)")
                let info = try await cli(["info", app])
                #expect(info.output.contains("http://\(host):\(server.routerPort)/"), "\(info.output)")

                let bad = try await cli(["domains", "add", app, "10.0.0.1"])
                #expect(bad.status != 0 && bad.output.contains("IP address"), "\(bad.output)")

                let replicas = Set(try await server.containers(app: app).map(\.id))
                let on = try await cli(["maintenance", "on", app, "--message", "Back at <b>five</b>"])
                #expect(on.status == 0, "\(on.output)")
                for name in ["\(app).localhost", host, "api.\(host)"] {
                    let page = try await server.viaRouter(host: name)
                    #expect(page.status == 503, "\(name): \(page.status)")
                    #expect(page.headers.first(name: "retry-after") == "120")
                    #expect(page.body.contains("Back at &lt;b&gt;five&lt;/b&gt;"), "\(page.body)")
                }
                #expect(Set(try await server.containers(app: app).map(\.id)) == replicas, "maintenance touched the replicas")

                // Retry-After is the operator's: --retry-after, refused outside 1 s to a day (nothing changed).
                let refused = try await cli(["maintenance", "on", app, "--retry-after", "0"])
                #expect(refused.status != 0 && refused.output.contains("retry-after"), "\(refused.output)")
                #expect(try await server.viaRouter(host: host).headers.first(name: "retry-after") == "120")
                let later = try await cli(["maintenance", "on", app, "--message", "Back at <b>five</b>", "--retry-after", "1800"])
                #expect(later.status == 0 && later.output.contains("Retry-After: 1800 s"), "\(later.output)")
                #expect(try await server.viaRouter(host: host).headers.first(name: "retry-after") == "1800")

                // Restarted, the server routes the domains and keeps the app in maintenance at once.
                await server.stop()
                try await server.start()
                #expect(try await server.viaRouter(host: "www.\(host)").status == 503)
                let status = try await cli(["maintenance", app, "--json"])
                #expect(try Timestamp.decoder().decode(MaintenanceView.self, from: Data(status.output.utf8)).enabled, "\(status.output)")
                #expect(try await cli(["maintenance", "off", app]).status == 0)
                #expect(try await server.viaRouter(host: "www.\(host)").body == "hello from \(app)")

                #expect(try await cli(["domains", "remove", app, "*.\(host)"]).status == 0)
                #expect(try await server.viaRouter(host: "www.\(host)").status == 502)
                #expect(try await cli(["destroy", app]).status == 0)
                #expect(try await server.viaRouter(host: host).status == 502)
            }
        }
    }
}
