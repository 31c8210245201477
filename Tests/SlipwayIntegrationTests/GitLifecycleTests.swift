import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Issue 17, what is around a push: `slipway destroy` leaves nothing of the app's git state
    /// behind, the push hook keeps working when the server's binary is replaced under it, and SSH
    /// keys limited to some apps (`keys add --app`) reach only those. Real server, git and ssh.
    @Suite("Git lifecycle", .serialized)
    struct GitLifecycleTests {
        typealias Push = GitPushTests

        @Test("destroy removes the repository pushes went to and the deploy branch: the same name pushed again starts clean, old branches gone")
        func destroyThenPushStartsClean() async throws {
            try await TestServer.with { server in
                let app = "pushgone-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "first life", replicas: 1))
                defer { repo.remove() }
                let api = ["--server", server.baseURL]
                let remote = try await Push.setUp(app, on: server)
                let token = try #require(server.token)
                try #require(try await Push.push(repo, to: remote, token: token).status == 0)
                try await repo.git("checkout", "--quiet", "-b", "old-feature")
                try await repo.commit(["www/index.html": "feature"], message: "feature")
                #expect(try await Push.push(repo, to: remote, token: token, branch: "old-feature").status == 0)
                let set = try await runCLI(["git", "set", app, "--branch", "release"] + api)
                #expect(set.status == 0, "\(set.output)")
                let repository = server.dataDirectory.appendingPathComponent("git/repos/\(app).git")
                #expect(FileManager.default.fileExists(atPath: repository.path))

                let destroyed = try await runCLI(["destroy", app] + api)
                #expect(destroyed.status == 0, "\(destroyed.output)")
                #expect(!FileManager.default.fileExists(atPath: repository.path), "the pushed repository is still there")
                let shown = try await runCLI(["git", "show", app] + api)
                #expect(shown.status == 1 && shown.output.contains("no app named \(app)"), "\(shown.output)")
                // Not set up any more: a push is refused as for any unknown app, and stores nothing.
                try await repo.git("checkout", "--quiet", "main")
                let refused = try await Push.push(repo, to: remote, token: token)
                #expect(refused.status != 0 && refused.output.contains("no app named \(app)"), "\(refused.output)")
                #expect(!FileManager.default.fileExists(atPath: repository.path))

                // Set up again: main deploys (not the old release branch), and only what is pushed now is there.
                _ = try await Push.setUp(app, on: server)
                let again = try await runCLI(["git", "show", app, "--json"] + api)
                #expect(try JSONDecoder().decode(GitRemoteView.self, from: Data(again.output.utf8)).branch == "main", "\(again.output)")
                try await repo.commit(["www/index.html": "second life"], message: "again")
                let pushed = try await Push.push(repo, to: remote, token: token)
                #expect(pushed.status == 0 && pushed.output.contains("* [new branch]      main -> main"), "\(pushed.output)")
                #expect(try await Push.serverBranch(server, app, "old-feature") == nil, "a branch of the destroyed app came back")
                #expect(try await server.viaRouter(host: "\(app).localhost").body == "second life")
                #expect(try await server.client.releases(app: try DNSLabel(app)).releases.map(\.version) == [1])
            }
        }

        @Test("the push hook runs the server's own running binary: replacing, then removing, the file the server was started from does not break pushes")
        func hookSurvivesReplacedBinary() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-bin-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let copy = directory.appendingPathComponent("slipway")
            try FileManager.default.copyItem(at: TestServer.binary, to: copy)
            try await TestServer.with(executable: copy) { server in
                let app = "pushbin-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: ["README": "x"])
                defer { repo.remove() }
                let remote = try await Push.setUp(app, on: server)
                let token = try #require(server.token)
                // A branch that does not deploy: the hook still runs (every branch goes through it), no build needed.
                try await repo.git("checkout", "--quiet", "-b", "feature")
                let before = try await Push.push(repo, to: remote, token: token, branch: "feature")
                #expect(before.status == 0 && before.output.contains("Branch feature stored"), "\(before.output)")

                // An upgrade replaces the file (a new inode at the same path) with something this server cannot talk to.
                let replacement = directory.appendingPathComponent("slipway.new")
                try "#!/bin/sh\necho 'not the running server' >&2\nexit 3\n".write(to: replacement, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: replacement.path)
                #expect(rename(replacement.path, copy.path) == 0)
                try await repo.commit(["README": "y"], message: "after the replacement")
                let replaced = try await Push.push(repo, to: remote, token: token, branch: "feature")
                #expect(replaced.status == 0 && replaced.output.contains("Branch feature stored"), "\(replaced.output)")
                #expect(!replaced.output.contains("not the running server"), "\(replaced.output)")

                // Removed altogether.
                try FileManager.default.removeItem(at: copy)
                try await repo.commit(["README": "z"], message: "after the removal")
                let removed = try await Push.push(repo, to: remote, token: token, branch: "feature")
                #expect(removed.status == 0 && removed.output.contains("Branch feature stored"), "\(removed.output)")
                let head = try await repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(try await Push.serverBranch(server, app, "feature") == head)
            }
        }

        @Test("a key limited to one app (keys add --app) pushes there and is refused elsewhere, pushes and fetches alike; keys shows what each key reaches")
        func keyLimitedToApps() async throws {
            let port = try freePort()
            try await TestServer.with(arguments: ["--ssh", "127.0.0.1:\(port)"]) { server in
                let api = ["--server", server.baseURL]
                let mine = "sshmine-\(UUID().uuidString.prefix(6).lowercased())"
                let theirs = "sshtheirs-\(UUID().uuidString.prefix(6).lowercased())"
                _ = try await Push.setUp(mine, on: server)
                _ = try await Push.setUp(theirs, on: server)
                let limited = try await SSHClient(server: server, port: port, comment: "limited@test")
                defer { limited.remove() }
                let everywhere = try await SSHClient(server: server, port: port, comment: "admin@test")
                defer { everywhere.remove() }

                // Hostile --app values are refused with the reason, and list nothing.
                for bad in ["Bad_Name", "../x", "-x", String(repeating: "a", count: 64)] {
                    let refused = try await runCLI(["keys", "add", limited.publicKey.path, "--app", bad] + api)
                    #expect(refused.status != 0, "\(bad): \(refused.output)")
                }
                let empty = try await server.request(.POST, "/v1/keys", body: Data(#"{"publicKey": "\#(try String(contentsOf: limited.publicKey, encoding: .utf8).trimmingCharacters(in: .newlines))", "apps": []}"#.utf8),
                                               headers: ["Content-Type": "application/json"])
                #expect(empty.status == 400 && empty.body.contains("apps is empty"), "\(empty.body)")
                #expect(try await server.client.sshKeys().keys.isEmpty)

                let added = try await runCLI(["keys", "add", limited.publicKey.path, "--name", "laptop", "--app", mine] + api)
                #expect(added.status == 0 && added.output.contains("to \(mine)"), "\(added.output)")
                let addedAll = try await runCLI(["keys", "add", everywhere.publicKey.path, "--name", "admin"] + api)
                #expect(addedAll.status == 0 && addedAll.output.contains("every app"), "\(addedAll.output)")
                let listed = try await runCLI(["keys"] + api)
                let lines = listed.output.split(separator: "\n")
                #expect(lines.first?.contains("APPS") == true, "\(listed.output)")
                #expect(lines.contains { $0.hasPrefix("admin ") && $0.contains("all apps") }, "\(listed.output)")
                #expect(lines.contains { $0.hasPrefix("laptop ") && $0.contains(mine) && !$0.contains("all apps") }, "\(listed.output)")

                let repository = try await GitRepository(files: ["README": "x"])
                defer { repository.remove() }
                try await repository.git("checkout", "--quiet", "-b", "feature")
                let toMine = try await limited.git(["push", "\(limited.remote)/\(mine).git", "feature"], in: repository.directory)
                #expect(toMine.status == 0 && toMine.output.contains("Branch feature stored"), "\(toMine.output)")
                let toTheirs = try await limited.git(["push", "\(limited.remote)/\(theirs).git", "feature"], in: repository.directory)
                #expect(toTheirs.status != 0, "\(toTheirs.output)")
                #expect(toTheirs.output.contains("the key laptop may reach only \(mine), not \(theirs)"), "\(toTheirs.output)")
                let fetch = try await limited.git(["ls-remote", "\(limited.remote)/\(mine).git"], in: repository.directory)
                #expect(fetch.status == 0 && fetch.output.contains("refs/heads/feature"), "\(fetch.output)")
                let fetchTheirs = try await limited.git(["ls-remote", "\(limited.remote)/\(theirs).git"], in: repository.directory)
                #expect(fetchTheirs.status != 0 && fetchTheirs.output.contains("may reach only \(mine)"), "\(fetchTheirs.output)")
                #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("git/repos/\(theirs).git").path),
                        "the refused push left a repository")
                // The unlimited key reaches both.
                let admin = try await everywhere.git(["push", "\(everywhere.remote)/\(theirs).git", "feature"], in: repository.directory)
                #expect(admin.status == 0 && admin.output.contains("Branch feature stored"), "\(admin.output)")
            }
        }
    }
}
