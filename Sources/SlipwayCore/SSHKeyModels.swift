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
    /// The apps it may push to (and fetch from); nil: every app.
    public var apps: [String]?

    public init(name: String, fingerprint: String, type: String, publicKey: String, comment: String?, addedAt: Date, apps: [String]? = nil) {
        (self.name, self.fingerprint, self.type, self.publicKey, self.comment, self.addedAt) = (name, fingerprint, type, publicKey, comment, addedAt)
        self.apps = apps
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
    /// The apps the key may push to; nil: every app.
    public var apps: [String]?
    public init(publicKey: String, name: String? = nil, apps: [String]? = nil) {
        self.publicKey = publicKey
        self.name = name
        self.apps = apps
    }

    /// At most this many apps per key.
    public static let maxApps = 100

    /// `--app` values checked: app names, at least one, at most `maxApps`, each once (in the order given).
    public static func checkedApps(_ apps: [String]) throws -> [String] {
        guard !apps.isEmpty else {
            throw SlipwayError.invalidRequest("apps is empty: name at least one app the key may push to, or leave it out for every app")
        }
        guard apps.count <= maxApps else {
            throw SlipwayError.invalidRequest("a key may be limited to at most \(maxApps) apps (got \(apps.count)); leave it out for every app")
        }
        var seen: [String] = []
        for app in apps {
            let name = try DNSLabel(app).value
            if !seen.contains(name) { seen.append(name) }
        }
        return seen
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
