import Foundation

/// How one ssh clone authenticates and whom it trusts: the app's deploy key and the forge's pinned
/// host keys, in files only the server's user can read, for this clone alone. No trust on first use:
/// ssh checks the host against exactly these keys (`StrictHostKeyChecking=yes`, no other
/// known_hosts file) and offers only this identity.
package struct SSHAccess: Sendable {
    /// An OpenSSH private key file (0600); nil: no key of the app's (ssh's own defaults are not used either).
    package var identityFile: String?
    /// A known_hosts file with the pinned keys.
    package var knownHostsFile: String

    package init(identityFile: String?, knownHostsFile: String) {
        (self.identityFile, self.knownHostsFile) = (identityFile, knownHostsFile)
    }

    /// `GIT_SSH_COMMAND` (git runs it through the shell: the paths are quoted).
    var command: String {
        var options = ["BatchMode=yes", "StrictHostKeyChecking=yes", "UserKnownHostsFile=\(Self.quoted(knownHostsFile))",
                       "GlobalKnownHostsFile=/dev/null", "IdentitiesOnly=yes", "UpdateHostKeys=no"]
        options.append(identityFile.map { "IdentityFile=\(Self.quoted($0))" } ?? "IdentityFile=/dev/null")
        return "ssh -F /dev/null " + options.map { "-o \($0)" }.joined(separator: " ")
    }

    static func quoted(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Writes the key and the known hosts into `directory` (made 0700, files 0600).
    package static func write(privateKey: String?, knownHosts: [String], in directory: URL) throws -> SSHAccess {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let hostsFile = directory.appendingPathComponent("known_hosts")
        manager.createFile(atPath: hostsFile.path, contents: Data((knownHosts.joined(separator: "\n") + "\n").utf8),
                           attributes: [.posixPermissions: 0o600])
        var identity: String?
        if let privateKey {
            let keyFile = directory.appendingPathComponent("deploy_key")
            guard manager.createFile(atPath: keyFile.path, contents: Data(privateKey.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            identity = keyFile.path
        }
        return SSHAccess(identityFile: identity, knownHostsFile: hostsFile.path)
    }
}
