import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Secret config vars reach the processes but nothing Slipway shows, stores in the clear or streams.
    @Suite("Secrets", .serialized)
    struct SecretTests {
        static let files = [
            "Dockerfile": "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/env\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
            "www/index.html": "secretive",
            "www/cgi-bin/env": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"DB_PASSWORD=$DB_PASSWORD SIGNING=$SIGNING\"\n",
            // The release phase prints the secrets, as a careless migration script might.
            // The replicas print the password too, into the app logs Slipway keeps and streams.
            "slipway.yaml": """
                release: {command: 'echo release sees $DB_PASSWORD and $SIGNING'}
                services:
                  web:
                    port: 8080
                    command: 'while true; do echo "db is $DB_PASSWORD"; sleep 0.1; done & exec httpd -f -p 8080 -h /www'

                """,
        ]

        @Test("a secret never appears in the app view, config, releases, the deploy log or a streamed run; replicas get it")
        func secretsStayHidden() async throws {
            let repo = try await GitRepository(files: Self.files)
            defer { repo.remove() }
            let password = "pw-0f8e7d6c5b4a"
            let signing = "sig-1a2b3c4d5e6f"
            try await TestServer.with { server in
                let app = try DNSLabel("secretive")
                try #require(try await server.deploy("secretive", source: repo.url).status == .completed)
                // DB_PASSWORD is secret by its name; SIGNING because of --secret.
                let byName = try await runCLI(["config", "set", "secretive", "DB_PASSWORD=\(password)", "--server", server.baseURL])
                #expect(byName.status == 0, "\(byName.output)")
                let explicit = try await runCLI(["config", "set", "secretive", "SIGNING=\(signing)", "--secret", "--server", server.baseURL])
                #expect(explicit.status == 0, "\(explicit.output)")

                let seen = try await server.viaRouter(host: "secretive.localhost", path: "/cgi-bin/env").body
                #expect(seen.contains("DB_PASSWORD=\(password) SIGNING=\(signing)"), "the replica gets the real values: \(seen)")

                var shown: [String: String] = [:]
                shown["GET /v1/apps/secretive"] = try await server.get("/v1/apps/secretive").body
                shown["GET /v1/apps/secretive/config"] = try await server.get("/v1/apps/secretive/config").body
                shown["GET /v1/apps/secretive/releases"] = try await server.get("/v1/apps/secretive/releases").body
                shown["slipway config"] = try await runCLI(["config", "secretive", "--server", server.baseURL]).output
                shown["slipway config --json"] = try await runCLI(["config", "secretive", "--json", "--server", server.baseURL]).output
                let deploys = try await server.get("/v1/apps/secretive/deploys").body
                shown["GET /v1/apps/secretive/deploys"] = deploys
                let releases = try await server.client.releases(app: app).releases
                for release in releases {
                    shown["deploy log of \(release.version)"] = try await server.get("/v1/deploys/\(release.traceId)/log").body
                }
                let run = try await runCLI(["run", "secretive", "--server", server.baseURL, "--", "sh", "-c", "echo run sees $DB_PASSWORD $SIGNING"])
                #expect(run.status == 0)
                shown["slipway run"] = run.output
                var appLogs = ""
                for _ in 0..<50 where !appLogs.contains("db is [redacted]") {
                    try await Task.sleep(for: .milliseconds(100))
                    appLogs = try await runCLI(["logs", "secretive", "--since", "10m", "--server", server.baseURL]).output
                }
                shown["slipway logs"] = appLogs
                #expect(appLogs.contains("db is [redacted]"), "\(appLogs.suffix(1000))")
                for (place, text) in shown {
                    #expect(!text.contains(password) && !text.contains(signing), "\(place) shows a secret: \(text.prefix(2000))")
                }
                #expect(shown["slipway config"]?.contains("DB_PASSWORD=[redacted]") == true, "\(shown["slipway config"] ?? "")")
                #expect(shown["slipway config"]?.contains("SIGNING=[redacted]") == true)
                #expect(shown["slipway run"]?.contains("run sees [redacted] [redacted]") == true, "\(run.output)")
                let latestLog = shown["deploy log of \(releases[0].version)"] ?? ""
                #expect(latestLog.contains("release | release sees [redacted] and [redacted]"), "\(latestLog)")
                #expect(releases[0].secretKeys == ["DB_PASSWORD", "SIGNING"])

                // Nothing in the data directory holds them in the clear (database, logs).
                let files = FileManager.default.enumerator(at: server.dataDirectory, includingPropertiesForKeys: nil)?
                    .compactMap { $0 as? URL } ?? []
                for file in files where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    let bytes = String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
                    #expect(!bytes.contains(password) && !bytes.contains(signing), "\(file.path) holds a secret in the clear")
                }
                let key = server.dataDirectory.appendingPathComponent("master.key")
                let mode = try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? NSNumber
                #expect(mode?.intValue == 0o600)
            }
        }
    }
}
