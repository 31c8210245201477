import AsyncHTTPClient
import Foundation
import KubernetesResources
import Logging
import NIOCore
import NIOSSL

/// A client of the Kubernetes API: server-side apply, get, list, delete, merge patches,
/// watches and pod logs, on the kinds of `KubernetesResource`. Objects are `JSONValue`s.
///
/// Each client owns one `HTTPClient` configured with the cluster's TLS settings (trusted CA,
/// client certificate, or no verification); call `shutdown()` when done with it.
/// Every call goes through one request helper, which adds the bearer token and turns error
/// answers into `KubernetesAPIError` naming the verb and resource.
public struct KubernetesClient: Sendable {
    public let configuration: Configuration
    let httpClient: HTTPClient
    /// The base URL requests are made to: the server's, with the host replaced by
    /// `tlsServerName` when set (the connection still goes to the server's host).
    let baseURL: String
    /// host:port of the server, for messages.
    let serverAddress: String
    let logger: Logger

    /// - Throws: `KubeconfigError` (`.malformed`) when the CA, client certificate or key is not usable PEM.
    public init(configuration: Configuration, logger: Logger) throws {
        guard let url = URLComponents(string: configuration.server), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty
        else {
            throw KubeconfigError(
                kind: .malformed,
                description: "the server \"\(configuration.server)\" of cluster \"\(configuration.clusterName ?? "")\" is not an http(s) URL")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        self.configuration = configuration
        self.serverAddress = "\(host):\(port)"

        var httpConfiguration = HTTPClient.Configuration(
            tlsConfiguration: try Self.tlsConfiguration(configuration),
            redirectConfiguration: .disallow,
            // No read timeout: watches and followed logs are quiet for long stretches.
            timeout: .init(connect: configuration.connectTimeout, read: nil)
        )
        if let serverName = configuration.tlsServerName, scheme == "https" {
            // AsyncHTTPClient sends SNI and verifies the certificate against the URL's host;
            // the DNS override sends the connection to the real server.
            var components = url
            components.host = serverName
            baseURL = components.string ?? configuration.server
            httpConfiguration.dnsOverride = [serverName: host]
        } else {
            baseURL = configuration.server
        }
        httpConfiguration.httpVersion = .automatic
        self.httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)

        var logger = logger
        logger[metadataKey: "kubernetes.server"] = .string(configuration.server)
        if let context = configuration.contextName { logger[metadataKey: "kubernetes.context"] = .string(context) }
        self.logger = logger
    }

    /// Closes the connections. Call once, after the last request and stream.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    static func tlsConfiguration(_ configuration: Configuration) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        let cluster = "cluster \"\(configuration.clusterName ?? "")\""
        let user = "user \"\(configuration.userName)\""
        if let pem = configuration.certificateAuthorityPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem))
            } catch {
                throw KubeconfigError(
                    kind: .malformed, description: "the certificate-authority(-data) of \(cluster) in the kubeconfig is not a PEM certificate: \(error)")
            }
        }
        if configuration.insecureSkipTLSVerify {
            tls.certificateVerification = .none
        }
        if let certificatePEM = configuration.credentials.clientCertificatePEM, let keyPEM = configuration.credentials.clientKeyPEM {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificatePEM).map { .certificate($0) }
            } catch {
                throw KubeconfigError(
                    kind: .malformed, description: "the client-certificate(-data) of \(user) in the kubeconfig is not a PEM certificate: \(error)")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: keyPEM, format: .pem))
            } catch {
                throw KubeconfigError(
                    kind: .malformed, description: "the client-key(-data) of \(user) in the kubeconfig is not a PEM private key: \(error)")
            }
        }
        return tls
    }
}
