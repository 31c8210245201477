import Crypto
import Foundation
import NIOSSH

/// The server's ed25519 host key: made once in the data directory (mode 0600) and read from there
/// on every start, so clients that pinned it (known_hosts) keep trusting the server.
public struct SSHHostKey: Sendable {
    public let privateKey: NIOSSHPrivateKey
    public let publicKey: AuthorizedKey

    private static let header = "# slipway SSH host key: ed25519, the base64 of its 32-byte private seed. Keep it 0600 and back it up with the data directory; a new one makes every client refuse the server until its known_hosts line is replaced."

    /// Reads the key at `path`, or makes and writes one if there is no file. A file that is there but
    /// unreadable, damaged or readable by others stops the start: replacing it would change the host key.
    public static func loadOrCreate(at path: URL) throws(SSHHostKeyError) -> SSHHostKey {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: path.path) {
            return try load(path)
        }
        do {
            try fileManager.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
        } catch {
            throw .init("cannot make \(path.deletingLastPathComponent().path) for the SSH host key: \(error.localizedDescription)")
        }
        let key = Curve25519.Signing.PrivateKey()
        let text = header + "\n" + key.rawRepresentation.base64EncodedString() + "\n"
        // Written under a temporary name (0600 from the start) and linked into place, so a crash leaves
        // no half key and a second start at the same moment never replaces the first one's key.
        let temporary = path.deletingLastPathComponent().appendingPathComponent(".\(path.lastPathComponent).\(UUID().uuidString)")
        guard fileManager.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .init("cannot write the SSH host key to \(temporary.path)")
        }
        defer { try? fileManager.removeItem(at: temporary) }
        guard link(temporary.path, path.path) == 0 else {
            if errno == EEXIST { return try load(path) }
            throw .init("cannot put the SSH host key in place at \(path.path) (errno \(errno))")
        }
        return SSHHostKey(key)
    }

    private static func load(_ path: URL) throws(SSHHostKeyError) -> SSHHostKey {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path.path)
        if let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .init("the SSH host key \(path.path) is readable by other users (mode \(String(mode, radix: 8))): `chmod 600 \(path.path)`, then consider it leaked and replace it if others could read it")
        }
        guard let text = try? String(contentsOf: path, encoding: .utf8) else {
            throw .init("cannot read the SSH host key \(path.path): check its owner and mode (0600)")
        }
        let encoded = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let encoded, let seed = Data(base64Encoded: encoded), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .init("the SSH host key \(path.path) is damaged: restore it from a backup (a new key makes clients refuse the server until they trust it again; to make one anyway, move the file away)")
        }
        return SSHHostKey(key)
    }

    private init(_ key: Curve25519.Signing.PrivateKey) {
        privateKey = NIOSSHPrivateKey(ed25519Key: key)
        publicKey = AuthorizedKey(privateKey.publicKey)
    }

    /// The line a client puts in `~/.ssh/known_hosts` to trust this server at `host:port`
    /// (`[host]:port ssh-ed25519 AAAA...`; port 22 goes without brackets, as ssh writes it).
    public func knownHostsLine(host: String, port: Int) -> String {
        let pattern = port == 22 ? host : "[\(host)]:\(port)"
        return "\(pattern) \(publicKey.openSSH)"
    }
}

public struct SSHHostKeyError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
