import Testing
@testable import SlipwaySSH

/// The exec policy: what `git push`/`git fetch` send is accepted, every other command and every
/// path trick is refused with a message for the user.
@Suite struct GitCommandTests {
    @Test(arguments: [
        ("git-receive-pack '/shop.git'", GitCommand(service: .receivePack, repository: "shop")),
        ("git-receive-pack 'shop.git'", GitCommand(service: .receivePack, repository: "shop")),
        ("git-receive-pack '/shop'", GitCommand(service: .receivePack, repository: "shop")),
        ("git-upload-pack '/my-app-2.git'", GitCommand(service: .uploadPack, repository: "my-app-2")),
    ])
    func accepted(command: String, expected: GitCommand) throws {
        #expect(try GitCommand(exec: command) == expected)
    }

    @Test(arguments: [
        "ls", "sh -c id", "bash", "git-upload-archive '/shop.git'", "git receive-pack '/shop.git'", "scp -t /tmp",
        "git-receive-pack", "git-receive-pack ", "git-receive-pack '/../x.git'", "git-receive-pack '../x.git'",
        "git-receive-pack '/a/b.git'", "git-receive-pack '/shop.git'; id", "git-receive-pack '/shop.git' x",
        "git-receive-pack /shop.git", "git-receive-pack \"/shop.git\"", "git-receive-pack '/sh op.git'",
        "git-receive-pack '/Shop.git'", "git-receive-pack '/-shop.git'", "git-receive-pack '/shop-.git'",
        "git-receive-pack '/sh'op.git'", "git-receive-pack ''", "git-receive-pack '/.git'", "git-receive-pack '//shop.git'",
        "git-receive-pack '/shop.git\n'", "git-receive-pack '/shop.git.git'", "git-receive-pack '/$(id).git'",
        "git-receive-pack  '/shop.git'", "git-receive-pack '/\(String(repeating: "a", count: 64)).git'",
    ])
    func refused(command: String) {
        #expect(throws: SSHRefusal.self) { try GitCommand(exec: command) }
    }

    @Test func refusalsSayWhatToDo() throws {
        let shell = try #require(throws: SSHRefusal.self) { try GitCommand(exec: "cat /etc/passwd") }
        #expect(shell.message.contains("only git push and fetch"))
        #expect(shell.message.contains("git push ssh://slipway@HOST:PORT/APP.git"))
        let path = try #require(throws: SSHRefusal.self) { try GitCommand(exec: "git-receive-pack '../x.git'") }
        #expect(path.message.contains("not an app's repository"))
        let control = try #require(throws: SSHRefusal.self) { try GitCommand(exec: "evil\u{1b}[2J") }
        #expect(!control.message.contains("\u{1b}"))
    }
}
