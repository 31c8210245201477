import Foundation
import SlipwayCore
import SlipwaySource
import SlipwayStore

extension Pipeline {
    /// The ssh identity and pinned host keys for cloning `url` for this deploy: the git connection of
    /// its app (or of a preview's parent), when the URL is an ssh one. nil: git's defaults (an https
    /// URL, or an app without a connection).
    func sshAccess(_ deploy: QueuedDeploy, url: String, directory: URL) throws -> SSHAccess? {
        guard KnownHost.hostPattern(of: url) != nil else { return nil }
        let owner = try store.preview(deploy.app)?.parent ?? deploy.app
        guard let connection = try store.gitConnection(owner), connection.deployKey != nil || !connection.knownHosts.isEmpty else {
            return nil
        }
        guard !connection.knownHosts.isEmpty else {
            throw SlipwayError.invalidSource("\(owner) has a deploy key but no pinned host key for \(KnownHost.hostPattern(of: url) ?? url): Slipway does not trust a host on first use. Pin it: `slipway git key \(owner) --known-host \"$(ssh-keyscan HOST)\"`, after checking the keys against the forge's published fingerprints")
        }
        return try SSHAccess.write(privateKey: connection.deployKey?.privateKey, knownHosts: connection.knownHosts, in: directory)
    }
}
