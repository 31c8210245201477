import ACME
import DNSUpdate
import Foundation

/// `slipway server --acme-email E [--acme-directory URL] [--acme-ca-cert FILE]`: obtain and renew
/// certificates for the custom domains with ACME.
public struct ACMESettings: Sendable {
    /// The account's contact (the CA writes there about expiring certificates and policy changes).
    public var email: String
    /// Default: Let's Encrypt's production directory.
    public var directoryURL = ACMEClient.letsEncryptProduction
    /// PEM of the CA that signed the directory's HTTPS certificate, for a private CA.
    public var caCertificateFile: String?
    /// How often the domains are looked at (a domain added wakes the renewer at once).
    public var checkInterval: Duration = .seconds(60)
    /// `--acme-dns rfc2136://KEYNAME:SECRET@HOST:PORT`: DNS-01 through that server's dynamic
    /// updates, for wildcards (`*.DOMAIN`, every app's host, and wildcard custom domains).
    public var dnsUpdateURL: String?

    public init(email: String) {
        self.email = email
    }

    func validate(engine: ServerConfiguration.EngineKind) throws {
        if engine == .kubernetes {
            throw ServerStartupError("--acme-email needs the local router (HTTP-01 is answered there); with --engine kubernetes use --cluster-issuer")
        }
        guard ACMEClient.isPlausibleEmail(email) else {
            throw ServerStartupError("--acme-email takes an address like admin@example.com (got \"\(email)\")")
        }
        guard let url = URL(string: directoryURL), url.scheme == "https", url.host != nil else {
            throw ServerStartupError("--acme-directory takes the https URL of an ACME directory, e.g. \(ACMEClient.letsEncryptStaging) (got \"\(directoryURL)\")")
        }
        _ = try dnsUpdate
        if let file = caCertificateFile, !FileManager.default.isReadableFile(atPath: file) {
            throw ServerStartupError("--acme-ca-cert \(file) cannot be read; give the PEM file of the CA that signed the ACME directory's certificate")
        }
    }

    /// The DNS update server of `--acme-dns`; nil without it. Its errors never repeat the secret.
    var dnsUpdate: RFC2136Client.Configuration? {
        get throws {
            guard let dnsUpdateURL else { return nil }
            do {
                return try RFC2136Client.Configuration(url: dnsUpdateURL)
            } catch let error as DNSUpdateError {
                throw ServerStartupError("--acme-dns: \(error.message)")
            }
        }
    }

    var acmeClientConfiguration: ACMEClient.Configuration {
        ACMEClient.Configuration(directoryURL: directoryURL, caCertificateFile: caCertificateFile, contactEmail: email)
    }
}
