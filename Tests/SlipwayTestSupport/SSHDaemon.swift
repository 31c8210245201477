import Commands
import Foundation
import TestPorts

/// A private OpenSSH server (Debian's openssh-server) for one test: its own host key, config and
/// authorized keys in a temporary directory, on a loopback port from `TestPorts`, serving the
/// machine's user (whose git runs `git-upload-pack` on the repositories the test names by path).
/// Never the system's sshd. Fails (not skips) when sshd is not installed.
package final class SSHDaemon: Sendable {
    package let port: Int
    package let directory: URL
    /// `ssh-ed25519 BASE64`: the host key, as `ssh-keyscan` gives it (without the host).
    package let hostKey: String
    /// The user clones log in as (the one running the tests).
    package let user: String
    private let process: BackgroundCommand

    private init(port: Int, directory: URL, hostKey: String, user: String, process: BackgroundCommand) {
        (self.port, self.directory, self.hostKey, self.user, self.process) = (port, directory, hostKey, user, process)
    }

    /// `ssh://USER@127.0.0.1:PORT/ABSOLUTE/PATH`.
    package func url(_ path: String) -> String { "ssh://\(user)@127.0.0.1:\(port)\(path)" }

    package var log: String { (try? String(contentsOf: directory.appendingPathComponent("sshd.log"), encoding: .utf8)) ?? "" }

    /// Starts sshd accepting only `authorizedKeys` (OpenSSH public key lines), and waits until it listens.
    package static func start(authorizedKeys: [String]) async throws -> SSHDaemon {
        let sshd = try Tools.require("sshd", package: "openssh-server")
        // sshd refuses to start without its privilege separation directory (made by the package's service start, which setup.sh skips).
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-sshd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let hostKeyFile = directory.appendingPathComponent("host_ed25519_key")
        try await Tools.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", hostKeyFile.path])
        let hostKey = try String(contentsOfFile: hostKeyFile.path + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let authorized = directory.appendingPathComponent("authorized_keys")
        try (authorizedKeys.joined(separator: "\n") + "\n").write(to: authorized, atomically: true, encoding: .utf8)
        let user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
        return try await TestPorts.withFreePort { port in
            let config = directory.appendingPathComponent("sshd_config")
            try """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(hostKeyFile.path)
                AuthorizedKeysFile \(authorized.path)
                PidFile \(directory.appendingPathComponent("sshd.pid").path)
                AllowUsers \(user)
                PermitRootLogin prohibit-password
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                LogLevel VERBOSE

                """.write(to: config, atomically: true, encoding: .utf8)
            let logFile = directory.appendingPathComponent("sshd.log")
            try? FileManager.default.removeItem(at: logFile)
            let process = try await BackgroundCommand.start(Command(sshd.path, ["-D", "-e", "-f", config.path]), log: logFile.path)
            let daemon = SSHDaemon(port: port, directory: directory, hostKey: hostKey, user: user, process: process)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if daemon.log.contains("Server listening on 127.0.0.1 port \(port)") { return daemon }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            await process.kill()
            throw TestFailure("sshd did not start on 127.0.0.1:\(port): \(daemon.log.suffix(2000))")
        }
    }

    package func stop() async {
        await process.kill()
        try? FileManager.default.removeItem(at: directory)
    }
}
