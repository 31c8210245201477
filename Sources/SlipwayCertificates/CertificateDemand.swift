/// A host that should have a certificate, and the app it belongs to (whose events say how
/// obtaining it went). The wildcard of the server's own domain (`*.apps.example.com`, every app's
/// host) belongs to no app: its failures are logged and shown by `slipway certs` only.
public struct CertificateDemand: Sendable, Hashable {
    public let host: String
    public let app: String?

    public init(host: String, app: String?) {
        self.host = host
        self.app = app
    }
}

/// Where the renewer learns which hosts need certificates: the custom domains in the store.
public protocol CertificateHostsSource: Sendable {
    func hostsNeedingCertificates() async throws -> [CertificateDemand]
}
