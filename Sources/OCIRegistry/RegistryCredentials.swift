import Foundation

/// A username and password for a registry: sent as Basic auth to registries that ask for
/// Basic, and to the token endpoint of registries that ask for Bearer tokens.
public struct RegistryCredentials: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// Never prints the password: errors and logs may include credentials' descriptions.
    public var description: String { "RegistryCredentials(username: \(username))" }
}
