import NIOConcurrencyHelpers
import NIOCore
import NIOSSH

/// One connection's user authentication: public keys only (no password, no "none"), and only keys
/// the keyring lists, under the one user name the server serves. swift-nio-ssh has verified the
/// signature before it asks. Remembers which key got in, for the sessions that follow.
final class KeyAuthentication: NIOSSHServerUserAuthenticationDelegate, Sendable {
    private let userName: String
    private let keyring: any SSHKeyring
    private let remoteAddress: String
    private let authenticated = NIOLockedValueBox<SSHUser?>(nil)

    init(userName: String, keyring: any SSHKeyring, remoteAddress: String) {
        self.userName = userName
        self.keyring = keyring
        self.remoteAddress = remoteAddress
    }

    /// The user once a key was accepted; nil before.
    var user: SSHUser? { authenticated.withLockedValue { $0 } }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest,
                         responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        guard request.username == userName, case .publicKey(let publicKey) = request.request else {
            responsePromise.succeed(.failure)
            return
        }
        let key = AuthorizedKey(publicKey.publicKey)
        let (keyring, authenticated, remoteAddress) = (keyring, authenticated, remoteAddress)
        responsePromise.completeWithTask {
            guard let name = await keyring.keyName(for: key) else { return .failure }
            authenticated.withLockedValue { $0 = SSHUser(keyName: name, fingerprint: key.fingerprint, remoteAddress: remoteAddress) }
            return .success
        }
    }
}

/// Refuses every global request (`tcpip-forward`: remote port forwarding).
struct RefuseGlobalRequests: GlobalRequestDelegate {}
