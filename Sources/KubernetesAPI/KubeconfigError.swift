/// A kubeconfig that cannot be used: missing, malformed, naming what does not exist, or
/// authenticating in a way this library does not support. The description says which file
/// or entry is at fault and what to do.
public struct KubeconfigError: Error, CustomStringConvertible, Sendable {
    /// The category; compare with `==`, e.g. `error.kind == .unsupportedAuth`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case fileNotFound, malformed, contextNotFound, incomplete, unsupportedAuth, unreadable }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No kubeconfig file where one was expected.
        public static let fileNotFound = Kind(.fileNotFound)
        /// Not YAML, or not shaped like a kubeconfig; or bad base64 or PEM data.
        public static let malformed = Kind(.malformed)
        /// No such context, or no context chosen.
        public static let contextNotFound = Kind(.contextNotFound)
        /// A context naming a missing cluster or user, or a cluster without a server.
        public static let incomplete = Kind(.incomplete)
        /// exec plugins, auth-provider, username/password.
        public static let unsupportedAuth = Kind(.unsupportedAuth)
        /// A file the kubeconfig names (certificate, key, token) cannot be read.
        public static let unreadable = Kind(.unreadable)

        public var description: String { value.rawValue }
    }

    public var kind: Kind
    public var description: String

    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }

    static func malformed(path: String, underlying: any Error) -> KubeconfigError {
        KubeconfigError(kind: .malformed, description: "the kubeconfig \(path) is not a valid kubeconfig: \(underlying)")
    }

    static func unsupportedAuth(user: String, method: String) -> KubeconfigError {
        KubeconfigError(
            kind: .unsupportedAuth,
            description: "user \"\(user)\" in the kubeconfig authenticates with \(method), which Slipway does not support; "
                + "give Slipway a user with a bearer token (use a service-account token, e.g. from `kubectl create token NAME`, "
                + "as `token` or `tokenFile`) or a client certificate (`client-certificate` and `client-key`)"
        )
    }
}
