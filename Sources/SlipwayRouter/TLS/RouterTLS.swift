import NIOCore
import NIOSSL

/// The router's HTTPS listener: where it listens, what it serves, and what the plain listener
/// does for hosts that have a certificate.
public struct RouterTLS: Sendable {
    public var host: String
    public var port: Int
    public var certificates: ServedCertificates
    /// `Strict-Transport-Security` value added to every HTTPS response (`--hsts`); nil: none.
    public var strictTransportSecurity: String?
    /// Plain-HTTP requests for a host with a certificate get a 308 to HTTPS (ACME's
    /// `/.well-known/acme-challenge/` excepted: the router answers those itself first).
    public var redirectPlainHTTP: Bool
    /// The port redirects point at; nil: the bound HTTPS port (set it behind port forwarding).
    public var publicPort: Int?

    public init(host: String, port: Int, certificates: ServedCertificates, strictTransportSecurity: String? = nil,
                redirectPlainHTTP: Bool = true, publicPort: Int? = nil) {
        self.host = host
        self.port = port
        self.certificates = certificates
        self.strictTransportSecurity = strictTransportSecurity
        self.redirectPlainHTTP = redirectPlainHTTP
        self.publicPort = publicPort
    }

    /// The one TLS context of the listener: no certificate of its own; each handshake gets its
    /// host's through the SNI callback, and one without a known name fails (`UnknownServerName`).
    func makeContext(applicationProtocols: [String]) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()  // the server's fields, minus its certificate
        configuration.certificateVerification = .none  // no client certificates asked for
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = applicationProtocols
        let certificates = self.certificates
        configuration.sslContextCallback = { values, promise in
            guard let name = values.serverHostname, let loaded = certificates.lookup(name) else {
                promise.fail(UnknownServerName(name: values.serverHostname))
                return
            }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = loaded.chain
            override.privateKey = loaded.key
            promise.succeed(override)
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// A TLS client asked for a name the router has no certificate for (or for none): the handshake
/// fails rather than showing it some other host's certificate.
public struct UnknownServerName: Error, CustomStringConvertible {
    public var name: String?
    public var description: String {
        name.map { "no certificate for \($0) (TLS server name); add one with `slipway certs add`" }
            ?? "the TLS client sent no server name (SNI); the router serves certificates by name only"
    }
}
