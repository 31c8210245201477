import SlipwayCore
import Testing

@Suite("Names, sources and stages")
struct NamesAndSourcesTests {
    @Test("DNS-1123 labels", arguments: ["a", "hello", "my-app-2", "0ab", String(repeating: "a", count: 63)])
    func validLabels(name: String) throws {
        #expect(try DNSLabel(name).value == name)
    }

    @Test("invalid labels say why", arguments: [
        ("", "empty"), ("Hello", "uppercase"), ("my_app", "characters"), ("-app", "'-'"), ("app-", "'-'"),
        (String(repeating: "a", count: 64), "longer than 63"), ("a.b", "characters"),
    ])
    func invalidLabels(name: String, reason: String) {
        #expect { try DNSLabel(name) } throws: { error in
            let message = (error as? SlipwayError)?.message ?? ""
            return message.contains(reason) && message.contains("e.g.")
        }
    }

    @Test("sanitized names for RAD's derived app names")
    func sanitized() {
        #expect(DNSLabel.sanitized("My_Repo.Name")?.value == "my-repo-name")
        #expect(DNSLabel.sanitized("___") == nil)
    }

    @Test("git sources and local paths", arguments: [
        ("https://example.com/team/app.git", true), ("ssh://git@example.com/app.git", true), ("file:///srv/repo", true),
        ("git@example.com:team/app.git", true), ("/srv/app", false),
    ])
    func acceptedSources(text: String, isGit: Bool) throws {
        let location = try SourceLocation(text)
        if case .git = location { #expect(isGit) } else { #expect(!isGit) }
    }

    @Test("dangerous sources are refused", arguments: [
        "-uhelp", "--upload-pack=touch /tmp/x", "ext::sh -c touch% /tmp/pwned", "fd::17", "EXT::x",
        "ftp://example.com/repo", "", "relative/path", "https://x/\n--evil", "transport::https://x",
    ])
    func refusedSources(text: String) {
        #expect(throws: SlipwayError.self) { try SourceLocation(text) }
    }

    @Test("app names derived from repositories")
    func suggestedNames() throws {
        #expect(try SourceLocation("https://example.com/team/My_App.git").suggestedAppName?.value == "my-app")
        #expect(try SourceLocation("git@example.com:team/pubsub.git").suggestedAppName?.value == "pubsub")
        #expect(try SourceLocation("/srv/apps/shop/").suggestedAppName?.value == "shop")
    }

    @Test("refs that git could read as options are refused", arguments: ["--upload-pack=x", "-b", "a..b", "ref with space", ""])
    func badRefs(ref: String) {
        #expect(throws: SlipwayError.self) { try GitRef.validate(ref) }
    }

    @Test("good refs", arguments: ["main", "v1.2.3", "feature/login", "a1b2c3d"])
    func goodRefs(ref: String) throws {
        try GitRef.validate(ref)
    }

    @Test("the stage state machine")
    func stageTransitions() {
        #expect(StageStatus.pending.canMove(to: .inProgress))
        #expect(StageStatus.pending.canMove(to: .skipped))
        #expect(StageStatus.inProgress.canMove(to: .completed))
        #expect(StageStatus.inProgress.canMove(to: .error))
        #expect(!StageStatus.completed.canMove(to: .inProgress))
        #expect(!StageStatus.error.canMove(to: .completed))
        #expect(!StageStatus.pending.canMove(to: .completed))
        #expect(!StageStatus.skipped.canMove(to: .inProgress))
        // The local engine's deploys keep the six stages RAD clients know; Kubernetes adds push and apply.
        #expect(StageName.localEngine.map(\.rawValue) == ["fetch", "config", "build", "release", "run", "route"])
        #expect(StageName.kubernetesEngine.map(\.rawValue) == ["fetch", "config", "build", "push", "release", "apply", "run", "route"])
        #expect(StageName.build.radDescription == "build docker image")
    }

    @Test("RFC 3339 timestamps round-trip with milliseconds")
    func timestamps() throws {
        let text = "2026-01-02T03:04:05.123Z"
        let date = try #require(Timestamp.parse(text))
        #expect(Timestamp.string(date) == text)
        #expect(Timestamp.parse("2026-01-02T03:04:05Z") != nil)
    }
}

@Suite("Repository identity")
struct RepositoryIdentityTests {
    @Test("credentials, case of scheme and host, trailing / and .git do not change the repository", arguments: [
        ("https://github.com/acme/shop", "HTTPS://GitHub.com/acme/shop.git/"),
        ("https://github.com/acme/shop", "https://user:token@github.com/acme/shop.git"),
        ("git@github.com:acme/shop.git", "deploy@GITHUB.com:acme/shop"),
        ("file:///tmp/repo", "file:///tmp/repo/"),
    ])
    func same(first: String, second: String) {
        #expect(RepositoryIdentity.same(first, second))
    }

    @Test("different paths, hosts or path case are different repositories", arguments: [
        ("https://github.com/acme/shop", "https://github.com/acme/shop2"),
        ("https://github.com/acme/shop", "https://gitlab.com/acme/shop"),
        ("https://github.com/acme/shop", "https://github.com/Acme/shop"),
        ("https://github.com/acme/shop", "https://github.com.evil.example/acme/shop"),
    ])
    func different(first: String, second: String) {
        #expect(!RepositoryIdentity.same(first, second))
    }
}

@Suite("Git URL safety: credentials, transports, hosts")
struct GitURLSafetyTests {
    @Test func credentialsAreSplitOffAndShownRedacted() throws {
        let split = try #require(GitURLSafety.split("https://deploy:s3cr%40t@git.example.com/acme/shop.git"))
        #expect(split.clean == "https://git.example.com/acme/shop.git")
        #expect(split.shown == "https://***@git.example.com/acme/shop.git")
        #expect(split.username == "deploy" && split.password == "s3cr@t")
        #expect(GitURLSafety.split("https://ghp_token@github.com/a/b")?.username == "ghp_token")
        #expect(GitURLSafety.split("https://github.com/a/b") == nil)
        #expect(GitURLSafety.split("ssh://git@github.com/a/b") == nil, "an ssh login name is not a secret")
        #expect(GitURLSafety.withoutRedaction(split.shown) == split.clean)
    }

    @Test func plainTransportsWarn() {
        #expect(GitURLSafety.transportWarning("http://git.example.com/a")?.contains("plain http") == true)
        #expect(GitURLSafety.transportWarning("git://git.example.com/a")?.contains("neither encrypted") == true)
        #expect(GitURLSafety.transportWarning("https://git.example.com/a") == nil)
    }

    @Test("attack: metadata services and link-local hosts are refused", arguments: [
        "http://169.254.169.254/latest/meta-data", "https://metadata.google.internal/x", "git://[fe80::1%25eth0]/r",
        "https://[fe80::1]:8443/r", "http://100.100.100.200/r", "ssh://git@169.254.1.1/r", "git@169.254.9.9:r.git",
        "https://user:pw@169.254.169.254/r", "http://[::ffff:169.254.169.254]/r",
    ])
    func forbidden(url: String) throws {
        let host = try #require(GitURLSafety.host(of: url), "\(url)")
        #expect(GitURLSafety.forbiddenHostReason(host) != nil, "\(url) -> \(host)")
    }

    @Test("ordinary hosts pass", arguments: ["https://github.com/a/b", "http://10.0.0.5/r", "ssh://git@192.168.1.2/r", "https://[2001:db8::1]/r"])
    func allowed(url: String) throws {
        let host = try #require(GitURLSafety.host(of: url))
        #expect(GitURLSafety.forbiddenHostReason(host) == nil)
    }
}
