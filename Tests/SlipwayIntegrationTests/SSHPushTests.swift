import Foundation
import SlipwayClient
import SlipwayCore
import Testing

/// `git push ssh://slipway@HOST:PORT/APP.git` against a real `slipway server --ssh` with the real
/// OpenSSH client and git: the host key a client pins survives restarts, only listed keys get in,
/// only git's own commands run, and every attack leaves nothing behind.
@Suite(.serialized) struct SSHPushTests {
    /// A server with its SSH listener on a free port, and a client whose key is listed.
    private func withSSHServer(listKey: Bool = true, _ body: (TestServer, SSHClient) async throws -> Void) async throws {
        let port = try freePort()
        try await TestServer.with(arguments: ["--ssh", "127.0.0.1:\(port)"]) { server in
            let client = try await SSHClient(server: server, port: port)
            defer { client.remove() }
            if listKey {
                let added = try await runCLI(["keys", "add", client.publicKey.path, "--server", server.baseURL])
                #expect(added.status == 0, "\(added.output)")
            }
            try await body(server, client)
        }
    }

    @Test func hostKeyIsMadeOnceAndKeptAcrossRestarts() async throws {
        try await withSSHServer { server, client in
            let keyFile = server.dataDirectory.appendingPathComponent("ssh/host_ed25519_key")
            let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let before = try await SSHClient.printedHostKey(server, port: client.port)
            #expect(before.hasPrefix("[127.0.0.1]:\(client.port) ssh-ed25519 AAAA"))
            // StrictHostKeyChecking=yes: the session runs (and is refused as a shell) only if the key matched.
            let first = try await client.ssh([])
            #expect(first.output.contains("no shell here"), "\(first.output)")

            await server.stop()
            try await server.start()
            #expect(try await SSHClient.printedHostKey(server, port: client.port) == before)
            let again = try await client.ssh([])
            #expect(again.output.contains("no shell here"), "\(again.output)")
            #expect(!again.output.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"))
        }
    }

    @Test func keysAreCheckedListedAndRemoved() async throws {
        try await withSSHServer(listKey: false) { server, client in
            let api = ["--server", server.baseURL]
            let added = try await runCLI(["keys", "add", client.publicKey.path, "--name", "laptop", "--json"] + api)
            #expect(added.status == 0, "\(added.output)")
            let view = try Timestamp.decoder().decode(SSHKeyView.self, from: Data(added.output.utf8))
            // The fingerprint ssh-keygen shows for the same file.
            let keygen = try await runProcess(URL(fileURLWithPath: "/usr/bin/ssh-keygen"), ["-l", "-E", "sha256", "-f", client.publicKey.path])
            #expect(keygen.output.split(separator: " ").dropFirst().first.map(String.init) == view.fingerprint)
            #expect(view.name == "laptop" && view.type == "ssh-ed25519")

            let twice = try await runCLI(["keys", "add", client.publicKey.path, "--name", "other"] + api)
            #expect(twice.status == 1 && twice.output.contains("already listed as laptop"), "\(twice.output)")
            let privateHalf = try await runCLI(["keys", "add", client.privateKey.path] + api)
            #expect(privateHalf.status == 1 && privateHalf.output.contains("private key"), "\(privateHalf.output)")
            let rsa = try await SSHClient(server: server, port: client.port, type: "rsa")
            defer { rsa.remove() }
            let refused = try await runCLI(["keys", "add", rsa.publicKey.path] + api)
            #expect(refused.status == 1 && refused.output.contains("ssh-rsa keys are not supported"), "\(refused.output)")

            let listed = try await runCLI(["keys"] + api)
            #expect(listed.output.contains("laptop") && listed.output.contains(view.fingerprint))
            #expect(try await server.client.sshKeys().keys.map(\.name) == ["laptop"], "refused keys were not listed")

            let removed = try await runCLI(["keys", "remove", view.fingerprint] + api)
            #expect(removed.status == 0, "\(removed.output)")
            let unknown = try await runCLI(["keys", "remove", "laptop"] + api)
            #expect(unknown.status == 1 && unknown.output.contains("no key named"), "\(unknown.output)")
            #expect(try await server.client.sshKeys().keys.isEmpty)
        }
    }

    @Test func onlyListedKeysGetIn() async throws {
        try await withSSHServer { server, client in
            let stranger = try await SSHClient(server: server, port: client.port)
            defer { stranger.remove() }
            let repository = try await GitRepository(files: ["README": "x"])
            defer { repository.remove() }
            let app = "ssh-stranger-\(UUID().uuidString.prefix(6).lowercased())"

            let push = try await stranger.git(["push", "\(stranger.remote)/\(app).git", "main"], in: repository.directory)
            #expect(push.status != 0 && push.output.contains("Permission denied (publickey)"), "\(push.output)")
            // Not another user name, not a password.
            let otherUser = try await client.ssh([], user: "git", command: "git-receive-pack '/\(app).git'")
            #expect(otherUser.status == 255 && otherUser.output.contains("Permission denied (publickey)"), "\(otherUser.output)")
            let password = try await client.ssh(["-o", "PreferredAuthentications=password,keyboard-interactive"], command: "git-receive-pack '/\(app).git'")
            #expect(password.status == 255 && password.output.contains("Permission denied"), "\(password.output)")
            // A removed key is out from the next connection on.
            let fingerprint = try #require(try await server.client.sshKeys().keys.first?.fingerprint)
            _ = try await server.client.removeSSHKey(fingerprint)
            let removed = try await client.git(["push", "\(client.remote)/\(app).git", "main"], in: repository.directory)
            #expect(removed.status != 0 && removed.output.contains("Permission denied (publickey)"), "\(removed.output)")

            #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("git/repos/\(app).git").path),
                    "a refused push left a repository")
        }
    }

    @Test func onlyGitCommandsRun() async throws {
        try await withSSHServer { server, client in
            let shell = try await client.ssh([])
            #expect(shell.status == 1 && shell.output.contains("no shell here"), "\(shell.output)")
            let command = try await client.ssh([], command: "id; cat /etc/passwd")
            #expect(command.status == 1 && command.output.contains("only git push and fetch are served over SSH"), "\(command.output)")
            #expect(!command.output.contains("root:"))
            let pty = try await client.ssh(["-tt"])
            #expect(pty.status != 0 && pty.output.contains("PTY allocation request failed"), "\(pty.output)")
            for path in ["'/../x.git'", "'../x.git'", "'/a/b.git'", "'/x.git'; id", "\"/x.git\"", "'/sh op.git'", "'/X.git'"] {
                let tricked = try await client.ssh([], command: "git-receive-pack \(path)")
                #expect(tricked.status == 1 && tricked.output.contains("not an app's repository"), "\(path): \(tricked.output)")
            }
            let sftp = try await client.ssh(["-s"], command: "sftp")
            #expect(sftp.status != 0 && sftp.output.contains("subsystem request failed"), "\(sftp.output)")
            // Local port forwarding to the API: the channel is refused, nothing reaches it.
            let forward = try await client.ssh(["-W", "127.0.0.1:\(server.apiPort)"])
            #expect(forward.status != 0 && forward.output.contains("open failed"), "\(forward.output)")

            let repositories = server.dataDirectory.appendingPathComponent("git/repos")
            let made = ((try? FileManager.default.contentsOfDirectory(atPath: repositories.path)) ?? []).filter { !$0.hasPrefix(".") }
            #expect(made.isEmpty, "refused commands made repositories: \(made)")
            #expect(FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("admin.token").path))
        }
    }

    @Test func pushOverSSHDeploysAndAFailedDeployRejectsIt() async throws {
        try await withSSHServer { server, client in
            let app = "ssh-push-\(UUID().uuidString.prefix(6).lowercased())"
            let set = try await runCLI(["git", "set", app, "--branch", "main", "--server", server.baseURL])
            #expect(set.status == 0, "\(set.output)")
            let repository = try await GitRepository(files: GitRepository.helloFiles(page: "pushed over ssh", replicas: 1))
            defer { repository.remove() }
            let remote = "\(client.remote)/\(app).git"
            let push = try await client.git(["push", remote, "main"], in: repository.directory)
            #expect(push.status == 0, "\(push.output)")
            for stage in ["-----> fetch", "-----> config", "-----> build", "-----> release", "-----> run", "-----> route"] {
                #expect(push.output.contains("remote: \(stage)"), "missing \(stage): \(push.output)")
            }
            let url = "http://\(app).localhost:\(server.routerPort)/"
            let remoteLines = push.output.split(separator: "\n").filter { $0.hasPrefix("remote:") }
            #expect(remoteLines.last?.contains("is live at \(url)") == true, "the URL is not last: \(remoteLines.suffix(3))")
            #expect(try await server.viaRouter(host: "\(app).localhost").body == "pushed over ssh")
            let head = try await repository.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
            let releases = try await server.client.releases(app: try DNSLabel(app)).releases
            #expect(releases.first?.source.commit == head, "\(releases)")
            // A fetch over the same remote sees what was deployed.
            let listed = try await client.git(["ls-remote", remote], in: repository.directory)
            #expect(listed.output.contains("\(head)\trefs/heads/main"), "\(listed.output)")

            try await repository.commit(["Dockerfile": "FROM busybox\nRUN echo about to fail && false\n", "www/index.html": "broken"], message: "broken")
            let failed = try await client.git(["push", remote, "main"], in: repository.directory)
            #expect(failed.status != 0)
            #expect(failed.output.contains("! [remote rejected] main -> main (deploy failed: build: "), "\(failed.output)")
            #expect(failed.output.contains("remote: about to fail"), "the build log is not shown: \(failed.output)")
            #expect(try await server.viaRouter(host: "\(app).localhost").body == "pushed over ssh", "the release before keeps serving")
        }
    }

    @Test func pushToAnUnknownAppIsRefused() async throws {
        try await withSSHServer { server, client in
            let app = "ssh-nobody-\(UUID().uuidString.prefix(6).lowercased())"
            let repository = try await GitRepository(files: ["README": "x"])
            defer { repository.remove() }
            let push = try await client.git(["push", "\(client.remote)/\(app).git", "main"], in: repository.directory)
            #expect(push.status != 0 && push.output.contains("no app named \(app)"), "\(push.output)")
            #expect(try await server.client.apps().apps.allSatisfy { $0.name != app })
        }
    }
}
