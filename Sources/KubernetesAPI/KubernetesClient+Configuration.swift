import Foundation
import NIOCore

extension KubernetesClient {
    /// Where the API server is, how to trust it and how to authenticate: usually from a
    /// kubeconfig context (`Kubeconfig.configuration(context:)`).
    public struct Configuration: Sendable {
        /// The API server's base URL, e.g. "https://10.0.0.1:6443" (a path prefix is kept).
        public var server: String
        /// PEM certificates to trust instead of the system's roots.
        public var certificateAuthorityPEM: [UInt8]?
        /// Do not verify the server's certificate at all (`insecure-skip-tls-verify`).
        public var insecureSkipTLSVerify: Bool
        /// The name to verify the server's certificate against (and send as SNI) instead of the server's host.
        public var tlsServerName: String?
        public var credentials: Credentials
        /// The context's namespace, "default" when it names none.
        public var namespace: String
        /// Names from the kubeconfig, used in error messages.
        public var contextName: String?
        public var clusterName: String?
        public var userName: String
        /// The field manager of server-side apply and patches.
        public var fieldManager: String
        /// Deadline for short requests (get, list, apply, patch, delete) and for the answer's head of streams.
        public var requestTimeout: TimeAmount
        public var connectTimeout: TimeAmount

        public init(
            server: String,
            certificateAuthorityPEM: [UInt8]? = nil,
            insecureSkipTLSVerify: Bool = false,
            tlsServerName: String? = nil,
            credentials: Credentials = Credentials(),
            namespace: String = "default",
            contextName: String? = nil,
            clusterName: String? = nil,
            userName: String = "",
            fieldManager: String = "slipway",
            requestTimeout: TimeAmount = .seconds(30),
            connectTimeout: TimeAmount = .seconds(10)
        ) {
            self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
            self.certificateAuthorityPEM = certificateAuthorityPEM
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.tlsServerName = tlsServerName
            self.credentials = credentials
            self.namespace = namespace
            self.contextName = contextName
            self.clusterName = clusterName
            self.userName = userName
            self.fieldManager = fieldManager
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
        }

        /// Loads a kubeconfig (`Kubeconfig.load(path:)`) and selects `context` (else current-context).
        public static func fromKubeconfig(path: String? = nil, context: String? = nil) throws -> Configuration {
            try Kubeconfig.load(path: path).configuration(context: context)
        }
    }

    /// How requests authenticate. Both a token and a client certificate may be set.
    public struct Credentials: Sendable, Hashable {
        /// Sent as `Authorization: Bearer TOKEN`.
        public var bearerToken: String?
        /// A file holding the token, read (and trimmed) for every request, so rotated
        /// service-account tokens are picked up.
        public var tokenFile: String?
        /// PEM client certificate (chain) and its private key, for mutual TLS.
        public var clientCertificatePEM: [UInt8]?
        public var clientKeyPEM: [UInt8]?

        public init(bearerToken: String? = nil, tokenFile: String? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil) {
            self.bearerToken = bearerToken
            self.tokenFile = tokenFile
            self.clientCertificatePEM = clientCertificatePEM
            self.clientKeyPEM = clientKeyPEM
        }
    }
}

// MARK: - From a kubeconfig context

extension Kubeconfig {
    /// The connection settings of `context`, or of current-context when `nil`.
    /// Reads the certificate and key files the entries name.
    public func configuration(context requested: String? = nil) throws -> KubernetesClient.Configuration {
        let available = contextNames.isEmpty ? "it has none" : "it has: \(contextNames.joined(separator: ", "))"
        guard let contextName = requested ?? currentContext, !contextName.isEmpty else {
            throw KubeconfigError(
                kind: .contextNotFound,
                description: "the kubeconfig (\(paths.joined(separator: ", "))) sets no current-context; pass --context NAME (\(available))"
            )
        }
        guard let context = contexts[contextName] else {
            throw KubeconfigError(kind: .contextNotFound, description: "no context \"\(contextName)\" in the kubeconfig; \(available)")
        }
        guard let clusterName = context.cluster, let cluster = clusters[clusterName] else {
            throw KubeconfigError(
                kind: .incomplete,
                description: "context \"\(contextName)\" names cluster \"\(context.cluster ?? "")\", which is not in the kubeconfig"
            )
        }
        guard let server = cluster.server, !server.isEmpty else {
            throw KubeconfigError(kind: .incomplete, description: "cluster \"\(clusterName)\" in the kubeconfig has no server address")
        }
        var configuration = KubernetesClient.Configuration(
            server: server,
            certificateAuthorityPEM: try Self.bytes(
                data: cluster.certificateAuthorityData, file: cluster.certificateAuthority,
                field: "certificate-authority", entry: "cluster \"\(clusterName)\""),
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
            tlsServerName: cluster.tlsServerName.flatMap { $0.isEmpty ? nil : $0 },
            namespace: context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            contextName: contextName,
            clusterName: clusterName
        )
        if let userName = context.user, !userName.isEmpty {
            guard let user = users[userName] else {
                throw KubeconfigError(
                    kind: .incomplete, description: "context \"\(contextName)\" names user \"\(userName)\", which is not in the kubeconfig")
            }
            configuration.userName = userName
            configuration.credentials = try Self.credentials(of: user, named: userName)
        }
        return configuration
    }

    private static func credentials(of user: User, named name: String) throws -> KubernetesClient.Credentials {
        let entry = "user \"\(name)\""
        let credentials = KubernetesClient.Credentials(
            bearerToken: user.token.flatMap { $0.isEmpty ? nil : $0 },
            tokenFile: user.tokenFile.flatMap { $0.isEmpty ? nil : $0 },
            clientCertificatePEM: try bytes(data: user.clientCertificateData, file: user.clientCertificate, field: "client-certificate", entry: entry),
            clientKeyPEM: try bytes(data: user.clientKeyData, file: user.clientKey, field: "client-key", entry: entry)
        )
        if (credentials.clientCertificatePEM == nil) != (credentials.clientKeyPEM == nil) {
            throw KubeconfigError(
                kind: .incomplete,
                description: "\(entry) in the kubeconfig has a client \(credentials.clientKeyPEM == nil ? "certificate but no client-key(-data)" : "key but no client-certificate(-data)"); give both"
            )
        }
        if let tokenFile = credentials.tokenFile, !FileManager.default.isReadableFile(atPath: tokenFile) {
            throw KubeconfigError(kind: .unreadable, description: "cannot read the tokenFile \(tokenFile) of \(entry) in the kubeconfig")
        }
        if credentials.bearerToken == nil, credentials.tokenFile == nil, credentials.clientCertificatePEM == nil {
            if let command = user.execCommand {
                throw KubeconfigError.unsupportedAuth(user: name, method: "an exec plugin" + (command.map { " (command \"\($0)\")" } ?? ""))
            }
            if let provider = user.authProvider {
                throw KubeconfigError.unsupportedAuth(user: name, method: "an auth-provider" + (provider.map { " (\"\($0)\")" } ?? ""))
            }
            if user.hasBasicAuth {
                throw KubeconfigError.unsupportedAuth(user: name, method: "a username and password (basic authentication)")
            }
        }
        return credentials
    }

    /// `FIELD-data` (base64) wins over `FIELD` (a file path), as in kubectl.
    private static func bytes(data: String?, file: String?, field: String, entry: String) throws -> [UInt8]? {
        if let data, !data.isEmpty {
            guard let decoded = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                throw KubeconfigError(kind: .malformed, description: "\(field)-data of \(entry) in the kubeconfig is not valid base64")
            }
            return Array(decoded)
        }
        if let file, !file.isEmpty {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw KubeconfigError(kind: .unreadable, description: "cannot read \(file), the \(field) of \(entry) in the kubeconfig")
            }
            return Array(contents)
        }
        return nil
    }
}
