import Foundation
import SlipwayTestSupport

/// The real OpenSSH client with a key made for the test by ssh-keygen, trusting only the host key
/// the server prints (`--print-host-key` into its own known_hosts, StrictHostKeyChecking=yes), and
/// git using it through GIT_SSH_COMMAND.
struct SSHClient {
    let directory: URL
    let port: Int
    /// The key pair ssh-keygen made (whatever its type, under this one name).
    var privateKey: URL { directory.appendingPathComponent("id_key") }
    var publicKey: URL { directory.appendingPathComponent("id_key.pub") }
    var knownHosts: URL { directory.appendingPathComponent("known_hosts") }

    /// A new key pair (`type`: ed25519, ecdsa, rsa) and a known_hosts made from the server's --print-host-key.
    init(server: TestServer, port: Int, type: String = "ed25519", comment: String = "tester@slipway-test") async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-ssh-\(UUID().uuidString.prefix(8))")
        self.port = port
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keygen = try await runProcess(URL(fileURLWithPath: "/usr/bin/ssh-keygen"),
                                          ["-q", "-t", type, "-N", "", "-C", comment, "-f", privateKey.path])
        guard keygen.status == 0 else { throw TestFailure("ssh-keygen failed: \(keygen.output)") }
        try await trustHostKey(of: server)
    }

    /// known_hosts := what `slipway server --print-host-key` prints for this data directory.
    func trustHostKey(of server: TestServer) async throws {
        try (try await Self.printedHostKey(server, port: port) + "\n").write(to: knownHosts, atomically: true, encoding: .utf8)
    }

    static func printedHostKey(_ server: TestServer, port: Int) async throws -> String {
        let printed = try await runCLI(["server", "--print-host-key", "--data", server.dataDirectory.path, "--ssh", "127.0.0.1:\(port)"])
        guard printed.status == 0 else { throw TestFailure("--print-host-key failed: \(printed.output)") }
        return printed.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ssh` as git runs it: batch mode, only this key, only this known_hosts.
    var sshCommand: [String] {
        ["/usr/bin/ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
         "-o", "UserKnownHostsFile=\(knownHosts.path)", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10",
         "-i", privateKey.path]
    }

    /// Runs ssh with `arguments` (options, then `slipway@127.0.0.1` and a command) against the server.
    func ssh(_ arguments: [String], user: String = "slipway", command: String? = nil) async throws -> (status: Int32, output: String) {
        let all = Array(sshCommand.dropFirst()) + ["-p", "\(port)"] + arguments + ["\(user)@127.0.0.1"] + (command.map { [$0] } ?? [])
        return try await runProcess(URL(fileURLWithPath: sshCommand[0]), all)
    }

    /// git in `repository` with this key: `git push`, `git ls-remote`...
    func git(_ arguments: [String], in repository: URL) async throws -> (status: Int32, output: String) {
        try await runProcess(URL(fileURLWithPath: "/usr/bin/git"), ["-C", repository.path] + arguments,
                             environment: ["GIT_SSH_COMMAND": sshCommand.joined(separator: " "), "GIT_TERMINAL_PROMPT": "0"])
    }

    var remote: String { "ssh://slipway@127.0.0.1:\(port)" }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
