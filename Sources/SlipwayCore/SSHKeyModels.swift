import Foundation

/// A user's public key that may push over SSH: `GET /v1/keys` lists them. The key itself is public;
/// it is shown whole so it can be compared with `~/.ssh/*.pub`.
public struct SSHKeyView: Codable, Sendable, Equatable {
    /// Its name in the list (`--name`, else the key's comment, else `key-` and the fingerprint's start).
    public var name: String
    /// `SHA256:...`, as `ssh-keygen -l -f KEY.pub` prints it.
    public var fingerprint: String
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`...
    public var type: String
    /// `TYPE BASE64`, without the comment.
    public var publicKey: String
    public var comment: String?
    public var addedAt: Date

    public init(name: String, fingerprint: String, type: String, publicKey: String, comment: String?, addedAt: Date) {
        (self.name, self.fingerprint, self.type, self.publicKey, self.comment, self.addedAt) = (name, fingerprint, type, publicKey, comment, addedAt)
    }
}

public struct SSHKeyList: Codable, Sendable {
    public var keys: [SSHKeyView]
    public init(keys: [SSHKeyView]) { self.keys = keys }
}

/// `POST /v1/keys`: the text of a public key file (one key) and an optional name.
public struct SSHKeyRequest: Codable, Sendable {
    public var publicKey: String
    public var name: String?
    public init(publicKey: String, name: String? = nil) {
        self.publicKey = publicKey
        self.name = name
    }

    /// 1-64 of letters, digits, `.`, `_`, `@` and `-`, starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        guard (1...64).contains(scalars.count), let first = scalars.first, first.isASCII, first.properties.isAlphabetic || ("0"..."9").contains(first) else {
            return false
        }
        return scalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_@".unicodeScalars.contains($0)) }
    }
}
