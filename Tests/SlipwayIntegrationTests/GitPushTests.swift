import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Issue 17, push to deploy over HTTP: a real `git` client pushes to a real server
    /// (`git http-backend` and receive-pack behind `/git/APP.git`) on the real engine.
    @Suite("Git push", .serialized)
    struct GitPushTests {
        @Test("a push deploys its commit: the client shows the stages and the URL last, the release records the commit; git asks for the token and a credential helper answers")
        func pushDeploys() async throws {
            try await TestServer.with { server in
                let app = "push-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "pushed one", replicas: 1))
                defer { repo.remove() }
                let remote = try await Self.setUp(app, on: server)
                #expect(remote == "\(server.baseURL)/git/\(app).git")

                // No credentials in the URL: the 401's challenge makes git ask its helper for them.
                let push = try await Self.push(repo, to: remote, helperToken: try #require(server.token))
                #expect(push.status == 0, "\(push.output)")
                for stage in ["-----> fetch", "-----> config", "-----> build", "-----> release", "-----> run", "-----> route"] {
                    #expect(push.output.contains("remote: \(stage)"), "missing \(stage): \(push.output)")
                }
                let url = "http://\(app).localhost:\(server.routerPort)/"
                let remoteLines = push.output.split(separator: "\n").filter { $0.hasPrefix("remote:") }
                #expect(remoteLines.last?.contains("is live at \(url)") == true, "the URL is not last: \(remoteLines.suffix(3))")
                #expect(push.output.contains("* [new branch]      main -> main"), "\(push.output)")

                #expect(try await server.viaRouter(host: "\(app).localhost").body == "pushed one")
                let commit = try await repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
                let releases = try await server.client.releases(app: try DNSLabel(app)).releases
                #expect(releases.first?.source.kind == .push && releases.first?.source.commit == commit, "\(releases)")
                #expect(try await Self.serverBranch(server, app, "main") == commit)

                // A force-push deploys what was pushed.
                try await repo.git("-c", "user.email=t@slipway.invalid", "-c", "user.name=T", "commit", "--quiet", "--amend", "-m", "rewritten")
                try await repo.commit(["www/index.html": "forced"], message: "forced")
                let forced = try await Self.push(repo, to: remote, token: try #require(server.token), force: true)
                #expect(forced.status == 0 && forced.output.contains("(forced update)"), "\(forced.output)")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "forced")

                let json = try await runCLI(["git", "remote", app, "--server", server.baseURL, "--json"])
                let view = try JSONDecoder().decode(GitRemoteView.self, from: Data(json.output.utf8))
                #expect(view == GitRemoteView(app: app, remote: remote, branch: "main"))
            }
        }

        @Test("a push whose build fails is rejected with the stage, reason and log tail; the branch does not move and the release before keeps serving")
        func failingBuildRejected() async throws {
            try await TestServer.with { server in
                let app = "pushfail-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "good one", replicas: 1))
                defer { repo.remove() }
                let remote = try await Self.setUp(app, on: server)
                let token = try #require(server.token)
                try #require(try await Self.push(repo, to: remote, token: token).status == 0)
                let good = try await repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)

                try await repo.commit(["Dockerfile": "FROM busybox\nRUN echo about to fail && false\n", "www/index.html": "broken"], message: "broken")
                let push = try await Self.push(repo, to: remote, token: token)
                #expect(push.status != 0)
                #expect(push.output.contains("! [remote rejected] main -> main (deploy failed: build: "), "\(push.output)")
                #expect(push.output.contains("remote: about to fail"), "the build log is not shown: \(push.output)")
                #expect(push.output.contains("Deploy failed at build:") && push.output.contains("v1 keeps serving"), "\(push.output)")
                #expect(try await Self.serverBranch(server, app, "main") == good, "the branch moved")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "good one")
                #expect(try await server.client.releases(app: try DNSLabel(app)).releases.count == 1)
            }
        }

        @Test("a push to another branch is stored and deploys nothing; `git set --branch` makes that branch deploy")
        func otherBranchIgnored() async throws {
            try await TestServer.with { server in
                let app = "pushbr-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "main page", replicas: 1))
                defer { repo.remove() }
                let remote = try await Self.setUp(app, on: server)
                let token = try #require(server.token)
                try #require(try await Self.push(repo, to: remote, token: token).status == 0)

                try await repo.git("checkout", "--quiet", "-b", "feature")
                try await repo.commit(["www/index.html": "feature page"], message: "feature")
                let push = try await Self.push(repo, to: remote, token: token, branch: "feature")
                #expect(push.status == 0, "\(push.output)")
                #expect(push.output.contains("remote: -----> Branch feature stored; not deployed: only main deploys"), "\(push.output)")
                #expect(!push.output.contains("-----> build"), "\(push.output)")
                let feature = try await repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(try await Self.serverBranch(server, app, "feature") == feature)
                #expect(try await server.client.releases(app: try DNSLabel(app)).releases.count == 1)
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "main page")

                let set = try await runCLI(["git", "set", app, "--branch", "feature", "--server", server.baseURL])
                #expect(set.status == 0 && set.output.contains("pushes to feature deploy"), "\(set.output)")
                try await repo.commit(["www/index.html": "feature page 2"], message: "feature 2")
                #expect(try await Self.push(repo, to: remote, token: token, branch: "feature").status == 0)
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "feature page 2")
            }
        }

        @Test("attack: a push with a wrong or no token is refused with 401 and a challenge; nothing is stored or deployed")
        func wrongTokenRefused() async throws {
            try await TestServer.with { server in
                let app = "pushauth-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "nope", replicas: 1))
                defer { repo.remove() }
                let remote = try await Self.setUp(app, on: server)
                let push = try await Self.push(repo, to: remote, token: "wrong-\(UUID().uuidString)")
                #expect(push.status != 0)
                #expect(push.output.contains("Authentication failed"), "\(push.output)")
                let bare = try await runProcess(URL(fileURLWithPath: "/usr/bin/git"), ["push", remote, "main"], in: repo.directory,
                                                environment: ["GIT_TERMINAL_PROMPT": "0"])
                #expect(bare.status != 0 && bare.output.contains("could not read Username"), "git was not asked for credentials: \(bare.output)")
                let challenge = try await server.request(.GET, "/git/\(app).git/info/refs?service=git-receive-pack",
                                                         headers: ["Authorization": "Basic \(Data("x:wrong".utf8).base64EncodedString())"])
                #expect(challenge.status == 401 && challenge.headers["WWW-Authenticate"].first?.hasPrefix("Basic") == true)

                let repository = server.dataDirectory.appendingPathComponent("git/repos/\(app).git")
                #expect(!FileManager.default.fileExists(atPath: repository.path), "a repository was made")
                #expect(try await Self.deployCount(server, app) == 0)
            }
        }

        @Test("attack: a pushed tree with a symlink out of it is refused at fetch like any git source; an unknown app answers 404 saying what to do")
        func hostileTreeRefused() async throws {
            try await TestServer.with { server in
                let app = "pushln-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "linked", replicas: 1))
                defer { repo.remove() }
                try FileManager.default.createSymbolicLink(atPath: repo.directory.appendingPathComponent("www/passwd").path,
                                                           withDestinationPath: "/etc/passwd")
                try await repo.commit([:], message: "link out")
                let token = try #require(server.token)
                let unknown = try await Self.push(repo, to: "\(server.baseURL)/git/\(app).git", token: token)
                #expect(unknown.status != 0 && unknown.output.contains("no app named \(app)") && unknown.output.contains("slipway git set"),
                        "\(unknown.output)")

                let remote = try await Self.setUp(app, on: server)
                let push = try await Self.push(repo, to: remote, token: token)
                #expect(push.status != 0)
                #expect(push.output.contains("! [remote rejected] main -> main (deploy failed: fetch: "), "\(push.output)")
                #expect(try await Self.serverBranch(server, app, "main") == nil)
                #expect(try await server.containers(app: app).isEmpty)
            }
        }

        @Test("two pushes at once deploy one after the other, in the order they came")
        func concurrentPushesInOrder() async throws {
            try await TestServer.with { server in
                let app = "pushcc-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "zero", replicas: 1))
                defer { repo.remove() }
                let remote = try await Self.setUp(app, on: server)
                let token = try #require(server.token)
                try #require(try await Self.push(repo, to: remote, token: token).status == 0)
                try await repo.commit(["www/index.html": "first"], message: "first")
                let first = try await repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
                try await repo.commit(["www/index.html": "second"], message: "second")
                let second = try await repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)

                async let one = Self.push(repo, to: remote, token: token, refspec: "\(first):refs/heads/main")
                // The second starts once the first one's deploy is under way.
                let deadline = ContinuousClock.now + .seconds(60)
                while try await Self.deployCount(server, app) < 2, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let two = try await Self.push(repo, to: remote, token: token, refspec: "\(second):refs/heads/main")
                let (firstPush, secondPush) = (try await one, two)
                #expect(firstPush.status == 0, "\(firstPush.output)")
                #expect(secondPush.status == 0, "\(secondPush.output)")
                #expect(secondPush.output.contains("Waiting for the push before this one"), "\(secondPush.output)")

                let releases = try await server.client.releases(app: try DNSLabel(app)).releases
                #expect(releases.map(\.version) == [3, 2, 1])
                #expect(releases.map(\.source.commit) == [second, first, releases.last?.source.commit], "\(releases.map(\.source))")
                #expect(try await Self.serverBranch(server, app, "main") == second)
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "second")
            }
        }

        /// `slipway git set APP --branch main` (a new app takes pushes) and `slipway git remote APP`.
        static func setUp(_ app: String, on server: TestServer) async throws -> String {
            let set = try await runCLI(["git", "set", app, "--branch", "main", "--server", server.baseURL])
            guard set.status == 0 else { throw TestFailure("git set failed: \(set.output)") }
            let remote = try await runCLI(["git", "remote", app, "--server", server.baseURL])
            guard remote.status == 0 else { throw TestFailure("git remote failed: \(remote.output)") }
            return remote.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// `git push` as a user runs it: the token as the password in the URL, or (`helperToken`)
        /// given by a credential helper when git is challenged.
        static func push(_ repo: GitRepository, to remote: String, token: String? = nil, helperToken: String? = nil,
                         branch: String = "main", refspec: String? = nil, force: Bool = false) async throws -> (status: Int32, output: String) {
            var url = remote
            if let token { url = remote.replacingOccurrences(of: "://", with: "://pusher:\(token)@") }
            var arguments = ["-C", repo.directory.path]
            if let helperToken {
                arguments += ["-c", "credential.helper=", "-c", "credential.helper=!f() { echo username=pusher; echo password=\(helperToken); }; f"]
            }
            arguments += ["push"] + (force ? ["--force"] : []) + [url, refspec ?? branch]
            return try await runProcess(URL(fileURLWithPath: "/usr/bin/git"), arguments, environment: ["GIT_TERMINAL_PROMPT": "0"])
        }

        /// How many deploys the app has had (queued ones too); 0 for an app without any.
        static func deployCount(_ server: TestServer, _ app: String) async throws -> Int {
            let answer = try await server.get("/v1/apps/\(app)/deploys")
            guard answer.status == 200 else { return 0 }
            let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
            return (object?["deploys"] as? [Any])?.count ?? 0
        }

        /// The commit a branch of the server's repository of the app points at.
        static func serverBranch(_ server: TestServer, _ app: String, _ branch: String) async throws -> String? {
            let repository = server.dataDirectory.appendingPathComponent("git/repos/\(app).git").path
            let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/git"),
                                              ["--git-dir=\(repository)", "rev-parse", "--verify", "--quiet", "refs/heads/\(branch)"])
            return result.status == 0 ? result.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
    }
}
