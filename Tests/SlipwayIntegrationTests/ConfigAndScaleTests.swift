import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Config vars and the formation change without a build: a new release, rolled out.
    @Suite("Config and scale", .serialized)
    struct ConfigAndScaleTests {
        /// busybox httpd runs CGI scripts: /cgi-bin/env shows what the replica sees.
        static let files = [
            "Dockerfile": "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/env\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
            "www/index.html": "configurable",
            // CRLF after the header: the router's HTTP parser refuses bare-LF header lines.
            "www/cgi-bin/env": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"GREETING=$GREETING MODE=$MODE\"\n",
            "slipway.yaml": "services:\n  web:\n    port: 8080\n    replicas: 2\n    env: {GREETING: from-manifest, MODE: manifest}\n",
        ]

        @Test("config set/unset makes a release without a build; every replica sees it; deploys keep it")
        func configVars() async throws {
            let repo = try await GitRepository(files: Self.files)
            defer { repo.remove() }
            try await TestServer.with { server in
                let app = try DNSLabel("configured")
                try #require(try await server.deploy("configured", source: repo.url).status == .completed)
                #expect(try await server.viaRouter(host: "configured.localhost", path: "/cgi-bin/env").body
                    .contains("GREETING=from-manifest MODE=manifest"))

                let set = try await runCLI(["config", "set", "configured", "GREETING=hello world", "--server", server.baseURL])
                #expect(set.status == 0, "\(set.output)")
                for _ in 0..<4 {
                    #expect(try await server.viaRouter(host: "configured.localhost", path: "/cgi-bin/env").body
                        .contains("GREETING=hello world MODE=manifest"))
                }
                let releases = try await server.client.releases(app: app).releases
                #expect(releases.first?.description == "Set GREETING")
                #expect(releases.first?.services.first?.image == releases.last?.services.first?.image, "a config change must not rebuild")
                let show = try await runCLI(["config", "configured", "--server", server.baseURL])
                #expect(show.output.contains("GREETING=hello world"), "\(show.output)")

                // A new deploy from source keeps the config vars.
                try await repo.commit(["www/index.html": "configurable 2"], message: "v2")
                try #require(try await server.deploy("configured", source: repo.url).status == .completed)
                #expect(try await server.viaRouter(host: "configured.localhost", path: "/cgi-bin/env").body.contains("GREETING=hello world"))

                let trace = try await server.client.changeConfig(app: app, set: [:], unset: ["GREETING"])
                #expect(try await server.waitForDeploy(trace.traceId).status == .completed)
                #expect(try await server.viaRouter(host: "configured.localhost", path: "/cgi-bin/env").body.contains("GREETING=from-manifest"))
                #expect(try await server.client.config(app: app).config.isEmpty)

                let bad = try await server.request(.PATCH, "/v1/apps/configured/config", body: Data(#"{"set": {"1BAD": "x"}}"#.utf8))
                #expect(bad.status == 400)
                #expect(bad.body.contains("not a valid config key"))
                let huge = String(repeating: "x", count: 40_000)
                let tooBig = try await server.request(.PATCH, "/v1/apps/configured/config", body: Data(#"{"set": {"BIG": "\#(huge)"}}"#.utf8))
                #expect(tooBig.status == 400)
                #expect(tooBig.body.contains("32 KiB"))
            }
        }

        @Test("scale changes the replica count without a build; unknown services are refused")
        func scale() async throws {
            let repo = try await GitRepository(files: Self.files)
            defer { repo.remove() }
            try await TestServer.with { server in
                let app = try DNSLabel("scalable")
                try #require(try await server.deploy("scalable", source: repo.url).status == .completed)
                let up = try await runCLI(["scale", "scalable", "web=3", "--server", server.baseURL])
                #expect(up.status == 0, "\(up.output)")
                let view = try await server.client.app(app)
                #expect(view.services.first?.replicas == 3)
                #expect(view.services.first?.readyReplicas == 3)
                #expect(try await server.containers(app: "scalable").count == 3)

                let down = try await server.client.scale(app: app, formation: ["web": 1])
                #expect(try await server.waitForDeploy(down.traceId).status == .completed)
                #expect(try await server.containers(app: "scalable").count == 1)
                #expect(try await server.viaRouter(host: "scalable.localhost").body == "configurable")
                #expect(try await server.client.releases(app: app).releases.first?.description == "Scale web=1")

                let unknown = try await server.request(.POST, "/v1/apps/scalable/scale", body: Data(#"{"worker": 2}"#.utf8))
                #expect(unknown.status == 400)
                #expect(unknown.body.contains("no service worker"))
            }
        }
    }
}

extension Integration.ConfigAndScaleTests {
    @Test("config files are mounted read-only in every replica; a change is a new release; --remove takes them away")
    func configFiles() async throws {
        var files = Self.files
        files["www/cgi-bin/files"] = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat /etc/app/*\ntouch /etc/app/new 2>/dev/null || echo read-only\n"
        files["Dockerfile"] = "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/*\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"
        let repo = try await GitRepository(files: files)
        defer { repo.remove() }
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: local) }
        try "setting=one\n".write(to: local.appendingPathComponent("app.conf"), atomically: true, encoding: .utf8)
        try "level=debug\n".write(to: local.appendingPathComponent("log.conf"), atomically: true, encoding: .utf8)
        try await TestServer.with { server in
            let app = try DNSLabel("filed")
            try #require(try await server.deploy("filed", source: repo.url).status == .completed)
            let set = try await runCLI(["config", "files", "filed", "--from-file", local.path, "--server", server.baseURL])
            #expect(set.status == 0, "\(set.output)")
            for _ in 0..<4 {  // both replicas
                let seen = try await server.viaRouter(host: "filed.localhost", path: "/cgi-bin/files").body
                #expect(seen.contains("setting=one") && seen.contains("level=debug") && seen.contains("read-only"), "\(seen)")
            }
            let listed = try await runCLI(["config", "files", "filed", "--server", server.baseURL])
            #expect(listed.output.contains("/etc/app") && listed.output.contains("app.conf (12 bytes)"), "\(listed.output)")

            try "setting=two\n".write(to: local.appendingPathComponent("app.conf"), atomically: true, encoding: .utf8)
            let changed = try await runCLI(["config", "files", "filed", "--from-file", local.appendingPathComponent("app.conf").path,
                                      "--server", server.baseURL])
            #expect(changed.status == 0, "\(changed.output)")
            let seen = try await server.viaRouter(host: "filed.localhost", path: "/cgi-bin/files").body
            #expect(seen.contains("setting=two") && !seen.contains("level=debug"), "the set at a mount is replaced whole: \(seen)")
            #expect(try await server.client.releases(app: app).releases.first?.description == "Set config files at /etc/app")

            // A deploy of new source keeps them, as it keeps config vars (it once dropped them).
            try await repo.commit(["www/index.html": "configurable, second build"], message: "second build")
            try #require(try await server.deploy("filed", source: repo.url).status == .completed)
            #expect(try await server.viaRouter(host: "filed.localhost").body == "configurable, second build")
            let redeployed = try await server.viaRouter(host: "filed.localhost", path: "/cgi-bin/files").body
            #expect(redeployed.contains("setting=two"), "config files after a deploy of new source: \(redeployed)")
            #expect(try await server.client.configFiles(app: app).mounts.keys.sorted() == ["/etc/app"])

            let removed = try await runCLI(["config", "files", "filed", "--remove", "--server", server.baseURL])
            #expect(removed.status == 0, "\(removed.output)")
            #expect(try await server.client.configFiles(app: app).mounts.isEmpty)
            let bad = try await server.request(.PUT, "/v1/apps/filed/files", body: Data(#"{"mount": "etc", "files": {"a": "eA=="}}"#.utf8))
            #expect(bad.status == 400)
            #expect(bad.body.contains("absolute directory path"))
        }
    }
}
