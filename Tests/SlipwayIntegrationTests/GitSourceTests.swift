import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Issue 14, git sources: credentials in the URL reach git and nothing else (not even another
    /// host through a redirect), plain transports warn, metadata and link-local hosts are refused,
    /// and clones have a size limit.
    @Suite("Git sources", .serialized)
    struct GitSourceTests {
        @Test("attack: credentials in an http(s) URL reach git only; the API, deploy log, events, releases and server log show them redacted")
        func credentialsNeverShown() async throws {
            let secret = "s3cret-Tok3n-\(UUID().uuidString.prefix(6))"
            try await TestServer.with { server in
                let app = "creds-\(UUID().uuidString.prefix(6).lowercased())"
                let served = try await Self.bareRepository(GitRepository.helloFiles(page: "private code", replicas: 1, name: app))
                defer { try? FileManager.default.removeItem(at: served) }
                let gitServer = try await SmartHTTPGitServer(root: served, username: "deploy", password: secret)
                defer { gitServer.stop() }

                let url = "http://deploy:\(secret)@127.0.0.1:\(gitServer.port)/repo.git"
                let view = try await server.deploy(app, source: url)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "private code", "the credentials reached git")
                #expect(view.source.url == "http://***@127.0.0.1:\(gitServer.port)/repo.git")

                let log = try await server.get("/v1/deploys/\(view.traceId)/log").body
                #expect(log.contains("plain http"), "http:// warns: \(log)")
                let wrong = try await server.deploy(app, source: "http://deploy:wrong-\(secret)@127.0.0.1:\(gitServer.port)/repo.git")
                #expect(wrong.status == .error && wrong.stages.first { $0.status == .error }?.name == "fetch")
                #expect((wrong.error ?? "").contains("refused access"), "\(wrong.error ?? "")")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "private code", "the release before still serves")
                try await expectNothingShows(secret, basic: "deploy:\(secret)", server: server, app: app, traces: [view.traceId, wrong.traceId])
            }
        }

        @Test("attack: a git server that redirects elsewhere gets neither the clone nor the credentials to the other host; the release before keeps serving")
        func redirectDoesNotCarryCredentials() async throws {
            let secret = "s3cret-Tok3n-\(UUID().uuidString.prefix(6))"
            try await TestServer.with { server in
                let app = "redir-\(UUID().uuidString.prefix(6).lowercased())"
                let served = try await Self.bareRepository(GitRepository.helloFiles(page: "private code", replicas: 1, name: app))
                defer { try? FileManager.default.removeItem(at: served) }
                let origin = try await SmartHTTPGitServer(root: served, username: "deploy", password: secret)
                defer { origin.stop() }
                try #require(try await server.deploy(app, source: "http://deploy:\(secret)@127.0.0.1:\(origin.port)/repo.git").status == .completed)
                let before = Set(try await server.containers(app: app).map(\.id))

                // The other host (another name, another port) would serve a clone to anyone, and records what it is sent.
                let elsewhere = try await Self.bareRepository(GitRepository.helloFiles(page: "attacker code", replicas: 1, name: app))
                defer { try? FileManager.default.removeItem(at: elsewhere) }
                let collector = try await SmartHTTPGitServer(root: elsewhere)
                defer { collector.stop() }
                let redirecting = try await SmartHTTPGitServer(root: served, redirectTo: "http://localhost:\(collector.port)")
                defer { redirecting.stop() }

                let view = try await server.deploy(app, source: "http://deploy:\(secret)@127.0.0.1:\(redirecting.port)/repo.git")
                #expect(view.status == .error && view.stages.first { $0.status == .error }?.name == "fetch")
                #expect((view.error ?? "").contains("redirect"), "\(view.error ?? "")")
                #expect(redirecting.requests.contains { $0.contains("/repo.git/info/refs") }, "the clone never asked: \(redirecting.requests)")
                let reached = collector.requests.filter { $0.contains("/repo.git") }
                #expect(reached.isEmpty, "the clone followed the redirect: \(reached)")
                #expect(!collector.requests.contains { $0.contains("authorization=Basic") }, "\(collector.requests)")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "private code")
                #expect(Set(try await server.containers(app: app).map(\.id)) == before, "containers changed")
                try await expectNothingShows(secret, basic: "deploy:\(secret)", server: server, app: app, traces: [view.traceId])
            }
        }

        /// A bare copy of a new repository with `files`, as `repo.git` in a new directory.
        static func bareRepository(_ files: [String: String]) async throws -> URL {
            let repo = try await GitRepository(files: files)
            defer { repo.remove() }
            let served = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-served-\(UUID().uuidString.prefix(6))")
            try await run("/usr/bin/git", ["clone", "--quiet", "--bare", repo.directory.path, served.appendingPathComponent("repo.git").path])
            return served
        }

        /// Neither the secret nor its Authorization header (base64 of `basic`) shows in what the API
        /// answers about the app and its deploys, in the server's log, or in any file of its data directory.
        func expectNothingShows(_ secret: String, basic: String, server: TestServer, app: String, traces: [String]) async throws {
            let encoded = Data(basic.utf8).base64EncodedString()
            var seen: [(String, String)] = [
                ("deploys", try await server.get("/v1/apps/\(app)/deploys").body), ("events", try await server.get("/v1/apps/\(app)/events").body),
                ("releases", try await server.get("/v1/apps/\(app)/releases").body), ("app", try await server.get("/v1/apps/\(app)").body),
                ("server log", server.serverLog()),
            ]
            for trace in traces {
                seen.append(("deploy \(trace)", try await server.get("/v1/deploys/\(trace)").body))
                seen.append(("log of \(trace)", try await server.get("/v1/deploys/\(trace)/log").body))
            }
            let files = FileManager.default.enumerator(at: server.dataDirectory, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
            for file in files {
                if let data = FileManager.default.contents(atPath: file.path) {
                    seen.append((file.lastPathComponent, String(decoding: data, as: UTF8.self)))
                }
            }
            #expect(seen.count > 8)
            for (place, text) in seen {
                #expect(!text.contains(secret) && !text.contains(encoded), "the secret leaked in \(place): \(text.prefix(400))")
            }
        }

        @Test("attack: a cloud metadata or link-local git host is refused with 403 unless --allow-git-host names it")
        func metadataHostsRefused() async throws {
            try await TestServer.with(arguments: ["--allow-git-host", "169.254.1.2"]) { server in
                let app = "meta-\(UUID().uuidString.prefix(6).lowercased())"
                for source in ["http://169.254.169.254/latest/meta-data/", "https://metadata.google.internal/computeMetadata/v1/",
                               "https://user:pw@169.254.169.254/r"] {
                    let answer = try await server.request(.POST, "/v1/apps/\(app)/deploys", body: Data(#"{"source": "\#(source)"}"#.utf8),
                                                          headers: ["Content-Type": "application/json"])
                    #expect(answer.status == 403 && answer.body.contains("--allow-git-host"), "\(source): \(answer.status) \(answer.body)")
                    #expect(!answer.body.contains("pw@"))
                }
                let deploys = try await server.get("/v1/apps/\(app)/deploys")
                #expect(deploys.status == 404, "nothing was queued: \(deploys.body)")
                // The operator's own exception is queued (and fails at fetch: nothing answers there).
                let allowed = try await server.request(.POST, "/v1/apps/\(app)/deploys", body: Data(#"{"source": "http://169.254.1.2:1/r"}"#.utf8),
                                                       headers: ["Content-Type": "application/json"])
                #expect(allowed.status == 202, "\(allowed.body)")
            }
        }

        @Test("attack: a repository over --max-clone-mb fails the fetch; the previous release serves")
        func cloneSizeLimit() async throws {
            try await TestServer.with(arguments: ["--max-clone-mb", "1"]) { server in
                let app = "big-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "small", replicas: 1, name: app))
                defer { repo.remove() }
                try #require(try await server.deploy(app, source: repo.url).status == .completed)
                let before = Set(try await server.containers(app: app).map(\.id))
                // 3 MB that do not compress.
                let noise = (0..<3_000_000 / 16).map { _ in UUID().uuidString.prefix(16) }.joined()
                try await repo.commit(["www/noise.txt": noise], message: "big")
                let view = try await server.deploy(app, source: repo.url)
                #expect(view.status == .error && view.stages.first { $0.status == .error }?.name == "fetch")
                #expect((view.error ?? "").contains("more than 1 MiB on disk"), "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "small")
                #expect(Set(try await server.containers(app: app).map(\.id)) == before)
            }
        }
    }
}
