import Foundation
import HTTPTypes
import SlipwayCore
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport
import Testing

/// Deploy keys and pinned host keys (`slipway git key`): the key is a real OpenSSH ed25519 key
/// (ssh-keygen reads it back), only its public half is ever answered, host keys are checked, and
/// an ssh clone with a key but no pinned host key is refused rather than trusting on first use.
@Suite("Deploy keys")
struct DeployKeyTests {
    static let githubKey = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

    @Test("the private half is an OpenSSH ed25519 key whose public half ssh-keygen derives as the one printed")
    func keyIsRealOpenSSH() async throws {
        let key = DeployKey.generate(comment: "slipway-shop")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-key-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: file) }
        FileManager.default.createFile(atPath: file.path, contents: Data(key.privateKey.utf8), attributes: [.posixPermissions: 0o600])
        let derived = try await Tools.run("ssh-keygen", ["-y", "-f", file.path]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.publicKey.hasPrefix("ssh-ed25519 "))
        #expect(derived.split(separator: " ").prefix(2) == key.publicKey.split(separator: " ").prefix(2), "\(derived) vs \(key.publicKey)")
        #expect(DeployKey.generate(comment: "x").publicKey != key.publicKey)
    }

    @Test("host keys are pinned for the repository's own host and port; anything else is refused with the reason")
    func knownHosts() throws {
        #expect(try KnownHost.lines("github.com ssh-ed25519 \(Self.githubKey)", repo: "git@github.com:team/shop.git")
                == ["github.com ssh-ed25519 \(Self.githubKey)"])
        // The host the input names does not matter: the repository's is written.
        #expect(try KnownHost.lines("# comment\nelsewhere.example ssh-ed25519 \(Self.githubKey)\n", repo: "ssh://git@git.example.com:2222/team/shop.git")
                == ["[git.example.com]:2222 ssh-ed25519 \(Self.githubKey)"])
        #expect(try KnownHost.lines("ssh-ed25519 \(Self.githubKey)", repo: "ssh://git@git.example.com/shop.git") == ["git.example.com ssh-ed25519 \(Self.githubKey)"])
        let refused: [(String, String, String)] = [
            ("github.com ssh-ed25519 \(Self.githubKey)", "https://github.com/team/shop.git", "not reached over ssh"),
            ("not a key", "git@github.com:team/shop.git", "not a host key"),
            ("github.com ssh-rsa \(Self.githubKey)", "git@github.com:team/shop.git", "not a valid ssh-rsa"),
            ("github.com ssh-ed25519 !!!", "git@github.com:team/shop.git", "not a valid"),
            ("", "git@github.com:team/shop.git", "no host key"),
        ]
        for (input, repo, says) in refused {
            #expect(throws: SlipwayError.self) { try KnownHost.lines(input, repo: repo) }
            do { _ = try KnownHost.lines(input, repo: repo) } catch let error as SlipwayError {
                #expect(error.message.contains(says), "\(input): \(error.message)")
            }
        }
    }

    @Test("git key answers the public half only, keeps the key until --rotate, pins host keys; a key without a pinned host fails the clone at fetch")
    func keyThroughTheAPI() async throws {
        try await InProcessServer.with { server in
            _ = try await server.connect("shop", repo: "git@git.example.com:team/shop.git", forge: .gitea)
            let made = try await server.request(.post, "/v1/apps/shop/git/key", body: "{}")
            #expect(made.status == 201, "\(made.body)")
            let first = try made.decode(GitConnectionView.self)
            let publicKey = try #require(first.deployKey)
            #expect(!made.body.contains("PRIVATE KEY"))
            let again = try await server.request(.post, "/v1/apps/shop/git/key", body: #"{"knownHost": "git.example.com ssh-ed25519 \#(Self.githubKey)"}"#)
            #expect(again.status == 200)
            #expect(try again.decode(GitConnectionView.self).deployKey == publicKey)
            #expect(try again.decode(GitConnectionView.self).knownHosts == ["git.example.com ssh-ed25519 \(Self.githubKey)"])
            let rotated = try await server.request(.post, "/v1/apps/shop/git/key", body: #"{"rotate": true}"#)
            #expect(rotated.status == 201)
            #expect(try rotated.decode(GitConnectionView.self).deployKey != publicKey)
            let shown = try await server.get("/v1/apps/shop/git/connection")
            #expect(!shown.body.contains("PRIVATE KEY") && shown.body.contains("ssh-ed25519"))
            let stored = try #require(try server.store.gitConnection(DNSLabel("shop")))
            #expect(stored.deployKey?.privateKey.contains("BEGIN OPENSSH PRIVATE KEY") == true)

            // Another app with a key but no pinned host: its ssh clone is refused at fetch, saying how to pin.
            let secret = try await server.connect("blog", repo: "git@git.example.com:team/blog.git", forge: .github)
            #expect(try await server.request(.post, "/v1/apps/blog/git/key", body: "{}").status == 201)
            let answer = try await server.deliver(.push(.github, branch: "main", commit: String(repeating: "b", count: 40), repo: "", secret: secret), to: "blog")
            let deploy = try await server.waitForGitDeploy(try #require(try answer.decode(WebhookAnswer.self).traceId))
            #expect(deploy.status == .error)
            #expect(deploy.stages.first { $0.status == .error }?.name == "fetch")
            #expect((deploy.error ?? "").contains("--known-host"), "\(deploy.error ?? "")")
        }
    }

    /// A real sshd (Debian's openssh-server) on a test port serves a bare repository; the deploy key
    /// is its only authorized key. With the sshd's host key pinned the webhook's deploy clones the
    /// pushed commit over ssh; pinned to another key, the clone is refused at fetch saying the host
    /// key is not the pinned one, and nothing is deployed.
    @Test("a deploy key clones from a real sshd with its host key pinned; a different pinned host key fails the clone with a clear error")
    func deployKeyAgainstRealSSHD() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-dk-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let work = try await LocalRepository(under: root)
        let commit = try await work.commit(["page": "over ssh"])
        let bare = root.appendingPathComponent("served.git")
        try await Tools.run("git", ["clone", "--quiet", "--bare", work.directory.path, bare.path])
        let stranger = root.appendingPathComponent("other_host_key")
        try await Tools.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", stranger.path])
        let strangerKey = try String(contentsOfFile: stranger.path + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")

        try await InProcessServer.with { server in
            // The app's key first (sshd authorizes it), then the repository's URL on that sshd.
            let placeholder = "ssh://git@127.0.0.1:22/x.git"
            _ = try await server.connect("shop", repo: placeholder, forge: .gitea)
            let made = try await server.request(.post, "/v1/apps/shop/git/key", body: "{}")
            let deployKey = try #require(try made.decode(GitConnectionView.self).deployKey)
            let sshd = try await SSHDaemon.start(authorizedKeys: [deployKey])
            try await Tools.withCleanUp({ try await Self.cloneThrough(sshd, server: server, bare: bare, work: work, first: commit, strangerKey: strangerKey) },
                                        cleanUp: { await sshd.stop() })
        }
    }

    static func cloneThrough(_ sshd: SSHDaemon, server: InProcessServer, bare: URL, work: LocalRepository, first commit: String,
                             strangerKey: String) async throws {
        do {
            let deployKey = try #require(try await server.get("/v1/apps/shop/git/connection").decode(GitConnectionView.self).deployKey)
            let repo = sshd.url(bare.path)
            let reconnect = try await server.request(.put, "/v1/apps/shop/git/connection", body: #"{"repo": "\#(repo)", "forge": "gitea"}"#)
            #expect(reconnect.status == 201, "\(reconnect.body)")
            let newSecret = try #require(try reconnect.decode(GitConnectionView.self).secret)
            #expect(try reconnect.decode(GitConnectionView.self).deployKey == deployKey, "the key stays across a reconnect")

            // Pinned to another host key: refused at fetch, saying so; nothing deployed.
            #expect(try await server.request(.post, "/v1/apps/shop/git/key", body: #"{"knownHost": "\#(strangerKey)"}"#).status == 200)
            let wrong = try await server.deliver(.push(.gitea, branch: "main", commit: commit, repo: repo, secret: newSecret), to: "shop")
            let refused = try await server.waitForGitDeploy(try #require(try wrong.decode(WebhookAnswer.self).traceId))
            #expect(refused.status == .error)
            #expect(refused.stages.first { $0.status == .error }?.name == "fetch")
            #expect((refused.error ?? "").contains("is not the one pinned"), "\(refused.error ?? "")")
            #expect((refused.error ?? "").contains("--known-host"), "\(refused.error ?? "")")
            #expect(try server.store.currentRelease(of: DNSLabel("shop")) == nil)

            // Pinned to the sshd's own key: the pushed commit is cloned with the deploy key and deployed.
            #expect(try await server.request(.post, "/v1/apps/shop/git/key", body: #"{"knownHost": "\#(sshd.hostKey)"}"#).status == 200)
            let second = try await work.commit(["page": "over ssh, pinned"])
            try await work.git("push", "--quiet", bare.path, "main")
            let good = try await server.deliver(.push(.gitea, branch: "main", commit: second, repo: repo, secret: newSecret), to: "shop")
            let deployed = try await server.waitForGitDeploy(try #require(try good.decode(WebhookAnswer.self).traceId))
            #expect(deployed.status == .completed, "\(deployed.error ?? "") \(sshd.log.suffix(1500))")
            #expect(deployed.source.commit == second)
            #expect(sshd.log.contains("Accepted publickey for \(sshd.user)"), "\(sshd.log.suffix(1500))")
        }
    }
}
