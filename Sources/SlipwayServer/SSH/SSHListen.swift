import Foundation

/// Where the SSH listener binds (`--ssh HOST:PORT`). Off unless given: it is a second door into
/// the server, one that runs programs (git) for whoever holds a listed key.
public struct SSHListen: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

extension ServerConfiguration {
    /// The server's SSH host key (ed25519, made once, 0600).
    public var sshHostKeyPath: URL { dataDirectory.appendingPathComponent("ssh/host_ed25519_key") }
}
