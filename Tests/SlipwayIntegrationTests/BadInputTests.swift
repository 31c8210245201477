import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Bad input gets a clear error and changes nothing: the running release keeps serving,
    /// no stray containers, no half-recorded release.
    @Suite("Bad input", .serialized)
    struct BadInputTests {
        /// Deploys a good release, runs `attempt` (which must fail), then checks nothing changed.
        func expectNothingChanges(_ server: TestServer, app: String = "steady",
                                  _ attempt: (TestServer, GitRepository) async throws -> Void) async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "still serving"))
            defer { repo.remove() }
            let good = try await server.deploy(app, source: repo.url)
            try #require(good.status == .completed, "\(good.error ?? "")")
            let containersBefore = Set(try await server.containers(app: app).map(\.id))

            try await attempt(server, repo)

            #expect(try await server.viaRouter(host: "\(app).localhost").body == "still serving")
            #expect(Set(try await server.containers(app: app).map(\.id)) == containersBefore, "stray or missing containers")
            let releases = try await server.client.releases(app: try DNSLabel(app)).releases
            #expect(releases.map(\.version) == [1], "a failed deploy left a release behind")
            #expect(try await server.client.app(try DNSLabel(app)).currentRelease == 1)
        }

        /// Deploys and expects ERROR at `stage` with a message containing `expected`.
        func expectFailure(_ server: TestServer, app: String = "steady", source: String, ref: String? = nil,
                           stage: String, message expected: String) async throws {
            let view = try await server.deploy(app, source: source, ref: ref)
            #expect(view.status == .error)
            let failed = view.stages.first { $0.status == .error }
            #expect(failed?.name == stage, "failed at \(failed?.name ?? "nothing"): \(view.error ?? "")")
            #expect((view.error ?? "").contains(expected), "error was: \(view.error ?? "nil")")
            #expect(view.stages.drop { $0.status != .error }.dropFirst().allSatisfy { $0.status == .skipped })
        }

        @Test("unknown repository and unknown ref")
        func unknownRepositoryAndRef() async throws {
            try await TestServer.with { server in
                try await expectNothingChanges(server) { server, repo in
                    // Inside the directory the test server allows (`--allow-source-dir`), but missing.
                    let missing = "file://\(FileManager.default.temporaryDirectory.path)/nonexistent-\(UUID().uuidString.prefix(6))/repo.git"
                    try await expectFailure(server, source: missing, stage: "fetch", message: "was not found")
                    try await expectFailure(server, source: repo.url, ref: "no-such-branch", stage: "fetch",
                                            message: "ref \"no-such-branch\" was not found")
                }
            }
        }

        @Test("no Dockerfile, and manifests with missing or wrong fields, name the problem")
        func manifestProblems() async throws {
            try await TestServer.with { server in
                try await expectNothingChanges(server) { server, _ in
                    let empty = try await GitRepository(files: ["README.md": "nothing to build"])
                    defer { empty.remove() }
                    try await expectFailure(server, source: empty.url, stage: "config", message: "looked at the repository root for slipway.yaml, config.json, Dockerfile, Procfile")

                    let wrongType = try await GitRepository(files: ["Dockerfile": "FROM busybox\n",
                                                              "slipway.yaml": "services:\n  web:\n    replicas: two\n"])
                    defer { wrongType.remove() }
                    try await expectFailure(server, source: wrongType.url, stage: "config", message: "services.web.replicas")

                    let missing = try await GitRepository(files: ["Dockerfile": "FROM busybox\n", "slipway.yaml": "name: x\n"])
                    defer { missing.remove() }
                    try await expectFailure(server, source: missing.url, stage: "config", message: "missing field `services`")

                    let noFile = try await GitRepository(files: ["slipway.yaml": "services:\n  web:\n    dockerfile: build/Dockerfile\n"])
                    defer { noFile.remove() }
                    try await expectFailure(server, source: noFile.url, stage: "config", message: "`build/Dockerfile` was not found")
                }
            }
        }

        @Test("a failing build step: the engine's reason, the old release serving")
        func failingBuild() async throws {
            try await TestServer.with { server in
                try await expectNothingChanges(server) { server, repo in
                    try await repo.commit(["Dockerfile": "FROM busybox\nRUN echo about to fail && exit 3\n"], message: "broken")
                    try await expectFailure(server, source: repo.url, stage: "build", message: "building web")
                }
            }
        }

        @Test("an app that never listens fails at run with its last log lines", .timeLimit(.minutes(2)))
        func neverListens() async throws {
            try await TestServer.with(arguments: ["--ready-timeout", "3"]) { server in
                try await expectNothingChanges(server) { server, repo in
                    try await repo.commit(["Dockerfile": "FROM busybox\nCMD [\"sh\", \"-c\", \"echo listening nowhere; sleep 600\"]\n"],
                                    message: "deaf")
                    try await expectFailure(server, source: repo.url, stage: "run", message: "did not accept connections")
                    let view = try await server.client.deploy(app: try DNSLabel("steady"), source: repo.url)
                    let failed = try await server.waitForDeploy(view.traceId)
                    #expect(failed.error?.contains("listening nowhere") == true, "the replica's log tail is missing")
                }
            }
        }

        @Test("an app that crashes at start fails fast with its exit code")
        func crashesAtStart() async throws {
            try await TestServer.with { server in
                try await expectNothingChanges(server) { server, repo in
                    try await repo.commit(["Dockerfile": "FROM busybox\nCMD [\"sh\", \"-c\", \"echo boom >&2; exit 7\"]\n"], message: "crash")
                    try await expectFailure(server, source: repo.url, stage: "run", message: "exited with code 7")
                }
            }
        }

        @Test("a symlink pointing outside the source is refused")
        func symlinkEscape() async throws {
            try await TestServer.with { server in
                try await expectNothingChanges(server) { server, repo in
                    try FileManager.default.createSymbolicLink(atPath: repo.directory.appendingPathComponent("www/passwd").path,
                                                               withDestinationPath: "/etc/passwd")
                    try await repo.git("add", "-A")
                    try await repo.git("-c", "user.email=t@t.invalid", "-c", "user.name=T", "commit", "--quiet", "-m", "leak")
                    try await expectFailure(server, source: repo.url, stage: "fetch", message: "www/passwd")
                }
            }
        }

        @Test("requests the API refuses: bad app names, dangerous git URLs, bad refs", arguments: [
            ("Bad_Name", #"{"source": "file:///tmp/x"}"#, "invalid_name"),
            ("-app", #"{"source": "file:///tmp/x"}"#, "invalid_name"),
            ("ok", #"{"source": "-uhelp"}"#, "invalid_source"),
            ("ok", #"{"source": "ext::sh -c touch% /tmp/pwned"}"#, "invalid_source"),
            ("ok", #"{"source": "fd::17"}"#, "invalid_source"),
            ("ok", #"{"source": "file:///tmp/x", "ref": "--upload-pack=touch"}"#, "invalid_source"),
            ("ok", #"{"nosource": 1}"#, "invalid_request"),
            ("ok", "not json", "invalid_request"),
        ])
        func refusedRequests(app: String, body: String, code: String) async throws {
            try await TestServer.with { server in
                let answer = try await server.request(.POST, "/v1/apps/\(app)/deploys", body: Data(body.utf8),
                                                      headers: ["Content-Type": "application/json"])
                #expect(answer.status == 400)
                #expect(answer.body.contains("\"code\":\"\(code)\""), "\(answer.body)")
                #expect(try await server.client.apps().apps.isEmpty)
            }
        }

        @Test("uploads: a good archive deploys; escaping entries and oversized bodies are refused")
        func uploads() async throws {
            try await TestServer.with(arguments: ["--max-upload-mb", "1"]) { server in
                let app = try DNSLabel("uploaded")
                let source = try await GitRepository(files: GitRepository.helloFiles(page: "from an upload", replicas: 1))
                defer { source.remove() }
                let archive = source.directory.appendingPathExtension("tar.gz")
                try await run("/bin/tar", ["-czf", archive.path, "-C", source.directory.path, "--exclude=.git", "."])
                let good = try await server.waitForDeploy(try await server.client.deploy(app: app, archive: archive).traceId)
                #expect(good.status == .completed, "\(good.error ?? "")")
                #expect(good.source.kind == .upload)
                #expect(try await server.viaRouter(host: "uploaded.localhost").body == "from an upload")

                // An entry that climbs out of the root.
                let evil = source.directory.appendingPathExtension("evil.tar.gz")
                try await run("/usr/bin/python3", ["-c", """
                    import tarfile, io
                    with tarfile.open('\(evil.path)', 'w:gz') as t:
                        data = b'owned'
                        info = tarfile.TarInfo('../../escaped.txt'); info.size = len(data)
                        t.addfile(info, io.BytesIO(data))
                    """])
                let refused = try await server.waitForDeploy(try await server.client.deploy(app: app, archive: evil).traceId)
                #expect(refused.status == .error)
                #expect(refused.stages.first?.status == .error)
                #expect(refused.error?.contains("escaped.txt") == true, "\(refused.error ?? "")")

                // Larger than --max-upload-mb.
                let big = Data((0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
                var gzipMagic = Data([0x1f, 0x8b])
                gzipMagic.append(big)
                let answer = try await server.request(.POST, "/v1/apps/uploaded/deploys", body: gzipMagic,
                                                      headers: ["Content-Type": "application/gzip"])
                #expect(answer.status == 413)
                #expect(answer.body.contains("--max-upload-mb"))
                #expect(try await server.viaRouter(host: "uploaded.localhost").body == "from an upload")
                #expect(try await server.client.releases(app: app).releases.count == 1)
                for archive in [archive, evil] { try? FileManager.default.removeItem(at: archive) }
            }
        }
    }
}
