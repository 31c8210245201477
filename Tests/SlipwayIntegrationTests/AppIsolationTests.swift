import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Apps cannot reach or confuse each other on the local engine (issue 14, sections 2 and 3):
    /// unambiguous engine names, and one isolated network per app.
    @Suite("App isolation on the local engine", .serialized)
    struct AppIsolationTests {
        /// A service that serves, at /cgi-bin/who, its app and what its volume `data` holds, after
        /// leaving its app's name in the volume (`volume` nil: no volume).
        static func files(service: String, volume: String? = nil) -> [String: String] {
            let mount = volume.map { "    volumes: {\($0): /data}\n" } ?? ""
            let mark = volume == nil ? "" : "mkdir -p /data && echo x > /data/owner-$SLIPWAY_APP; "
            return [
                "Dockerfile": "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/who\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
                "www/index.html": "isolated",
                "www/cgi-bin/who": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"app=$SLIPWAY_APP service=$SLIPWAY_REPLICA data=$(ls /data 2>/dev/null | tr '\\n' ',')\"\n",
                "slipway.yaml": "services:\n  \(service):\n    port: 8080\n\(mount)    command: \"\(mark)exec httpd -f -p 8080 -h /www\"\n",
            ]
        }

        static func deploy(_ server: TestServer, app: String, _ files: [String: String]) async throws {
            let repo = try await GitRepository(files: files)
            defer { repo.remove() }
            let view = try await server.deploy(app, source: repo.url)
            #expect(view.status == .completed, "\(app): \(view.error ?? "")")
        }

        static func who(_ server: TestServer, _ app: String) async throws -> String {
            try await server.viaRouter(host: "\(app).localhost", path: "/cgi-bin/who").body.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @Test("app X-b + service c and app X + service b-c run side by side; volumes Y+db-data and Y-db+data stay apart")
        func namesDoNotCollide() async throws {
            let tag = String(UUID().uuidString.lowercased().prefix(4))
            let (x, y) = ("nx\(tag)", "ny\(tag)")
            try await TestServer.with { server in
                try await Self.deploy(server, app: "\(x)-b", Self.files(service: "c"))
                try await Self.deploy(server, app: x, Self.files(service: "b-c"))
                // The second deploy used to take the first's container name and remove its replica.
                #expect(try await Self.who(server, "\(x)-b").hasPrefix("app=\(x)-b service=c.1"))
                #expect(try await Self.who(server, x).hasPrefix("app=\(x) service=b-c.1"))
                #expect(try await server.containers(app: "\(x)-b").count == 1)
                #expect(try await server.containers(app: x).count == 1)

                try await Self.deploy(server, app: y, Self.files(service: "web", volume: "db-data"))
                try await Self.deploy(server, app: "\(y)-db", Self.files(service: "web", volume: "data"))
                // Each sees only what it wrote: they used to share one volume.
                let first = try await Self.who(server, y), second = try await Self.who(server, "\(y)-db")
                #expect(first.hasSuffix("data=owner-\(y),"), "\(first)")
                #expect(second.hasSuffix("data=owner-\(y)-db,"), "\(second)")
                // destroy --volumes of one takes its own volume only (Podman ORs label filters: it took every one).
                let destroyed = try await server.client.destroy(app: try DNSLabel(y), volumes: true)
                #expect(destroyed.volumesRemoved.count == 1, "\(destroyed)")
                #expect(try await Self.who(server, "\(y)-db").hasSuffix("data=owner-\(y)-db,"), "the other app's data is still there")
                let names = try await server.containers().flatMap(\.names)
                #expect(names.allSatisfy { $0.contains("_") }, "unambiguous names: \(names)")
            }
        }

        @Test("from a container of app A (a replica's one-off sibling, or a build step), connecting to app B's replica fails; to A's own works; the router reaches both")
        func appsCannotReachEachOther() async throws {
            let tag = String(UUID().uuidString.lowercased().prefix(4))
            let (a, b) = ("neta\(tag)", "netb\(tag)")
            try await TestServer.with { server in
                try await Self.deploy(server, app: a, Self.files(service: "web"))
                try await Self.deploy(server, app: b, Self.files(service: "web"))
                let ownAddress = try await Self.address(of: try #require(try await server.containers(app: a).first).id)
                let otherAddress = try await Self.address(of: try #require(try await server.containers(app: b).first).id)
                // The attack: a one-off container of A (as `slipway run` makes) connects to B's replica.
                func connect(_ address: String) async throws -> String {
                    let script = "printf 'GET /cgi-bin/who HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 3 \(address) 8080 && echo CONNECTED || echo REFUSED"
                    return try await runCLI(["run", a, "--server", server.baseURL, "--", "sh", "-c", script]).output
                }
                let own = try await connect(ownAddress)
                #expect(own.contains("app=\(a)") && own.contains("CONNECTED"), "A reaches its own replica at \(ownAddress): \(own)")
                let other = try await connect(otherAddress)
                #expect(!other.contains("app=\(b)") && other.contains("REFUSED"), "A reached B's replica at \(otherAddress): \(other)")
                // The same from a build: RUN steps of a new deploy of A (a hostile repository's Dockerfile)
                // try B's replica directly, and B through the router on the host's loopback.
                func probe(_ address: String, _ port: Int, host: String, into file: String) -> String {
                    "RUN (printf 'GET /cgi-bin/who HTTP/1.0\\r\\nHost: \(host)\\r\\n\\r\\n' | /bin/busybox nc -w 3 \(address) \(port) "
                        + "| grep -q 'app=\(b)' && echo LEAKED || echo SAFE) > /www/\(file)\n"
                }
                var hostile = Self.files(service: "web")
                hostile["Dockerfile"] = "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/who\n"
                    + probe(otherAddress, 8080, host: "x", into: "replica.txt")
                    + probe("127.0.0.1", server.routerPort, host: "\(b).localhost", into: "loopback.txt")
                    + "CMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"
                try await Self.deploy(server, app: a, hostile)
                let replica = try await server.viaRouter(host: "\(a).localhost", path: "/replica.txt").body
                #expect(replica.contains("SAFE"), "a build step of A reached B's replica: \(replica)")
                let loopback = try await server.viaRouter(host: "\(a).localhost", path: "/loopback.txt").body
                #expect(loopback.contains("SAFE"), "a build step of A reached the host's loopback (B through the router): \(loopback)")
                // The router still reaches both.
                #expect(try await Self.who(server, a).hasPrefix("app=\(a)"))
                #expect(try await Self.who(server, b).hasPrefix("app=\(b)"))
            }
        }

        /// The container's address on its (only) network, as the engine's API reports it.
        static func address(of container: String) async throws -> String {
            let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"),
                                        ["-s", "--unix-socket", TestEngine.socketPath, "http://d/v1.41/containers/\(container)/json"])
            let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
            let networks = (json?["NetworkSettings"] as? [String: Any])?["Networks"] as? [String: [String: Any]] ?? [:]
            guard let address = networks.values.compactMap({ $0["IPAddress"] as? String }).first(where: { !$0.isEmpty }) else {
                throw TestFailure("no address for \(container): \(result.output.prefix(500))")
            }
            return address
        }
    }
}
