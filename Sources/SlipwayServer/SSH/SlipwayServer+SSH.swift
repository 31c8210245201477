import Foundation
import Logging
import SlipwaySSH
import SlipwayStore

extension SlipwayServer {
    /// The SSH listener (`--ssh`), bound here so that a taken port or a damaged host key stops the
    /// start with the reason; nil when it is off.
    static func sshServer(_ configuration: ServerConfiguration, store: SlipwayStore, push: GitPush?, logger: Logger) async throws -> SSHServer? {
        guard let listen = configuration.ssh else { return nil }
        guard let push else { throw ServerStartupError("--ssh: pushes are not available with this engine") }
        let hostKey: SSHHostKey
        do { hostKey = try SSHHostKey.loadOrCreate(at: configuration.sshHostKeyPath) } catch {
            throw ServerStartupError(error.message)
        }
        let runner = SSHGitRunner(push: push, store: store, remoteBase: "ssh://slipway@\(configuration.publicHost ?? listen.host):\(listen.port)", logger: logger)
        let server = SSHServer(settings: .init(host: listen.host, port: listen.port), hostKey: hostKey,
                               keyring: StoreKeyring(store: store), runner: runner, logger: logger)
        do { try await server.start() } catch let error as SSHServerError {
            throw ServerStartupError(error.message)
        }
        return server
    }

    /// `slipway server --print-host-key`: the host key as a known_hosts line for `host:port`, made
    /// first if the data directory has none yet (so it can be pinned before the first start).
    public static func hostKeyLine(_ configuration: ServerConfiguration, host: String, port: Int) throws -> String {
        do {
            return try SSHHostKey.loadOrCreate(at: configuration.sshHostKeyPath).knownHostsLine(host: host, port: port)
        } catch {
            throw ServerStartupError(error.message)
        }
    }
}
