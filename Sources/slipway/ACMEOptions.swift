import ArgumentParser
import SlipwayServer

/// `slipway server`'s ACME options: certificates for the custom domains (`slipway domains add`).
struct ACMEOptions: ParsableArguments {
    @Option(name: .customLong("acme-email"), help: ArgumentHelp(
        "Obtain and renew a certificate for every custom domain with ACME (Let's Encrypt by default), as this contact. HTTP-01 is answered by the router: the domains must reach it on port 80.",
        valueName: "email"))
    var email: String?
    @Option(name: .customLong("acme-directory"), help: ArgumentHelp(
        "The ACME directory URL. Default: Let's Encrypt's production directory.", valueName: "url"))
    var directory: String?
    @Option(name: .customLong("acme-ca-cert"), help: ArgumentHelp(
        "PEM file of the CA that signed the ACME directory's HTTPS certificate (a private CA).", valueName: "file"))
    var caCertificate: String?
    @Option(name: .customLong("acme-dns"), help: ArgumentHelp(
        "Answer DNS-01 through an authoritative DNS server's RFC 2136 updates signed with TSIG (HMAC-SHA256): one wildcard certificate *.DOMAIN for every app (with --domain), and certificates for wildcard custom domains. Percent-encode the secret's / + = if your shell or tooling mangles them.",
        valueName: "rfc2136://KEYNAME:SECRET@HOST:PORT"))
    var dns: String?

    func validate() throws {
        if email == nil, directory != nil || caCertificate != nil || dns != nil {
            throw ValidationError("--acme-directory, --acme-ca-cert and --acme-dns need --acme-email, the ACME account's contact")
        }
    }

    var settings: ACMESettings? {
        guard let email else { return nil }
        var settings = ACMESettings(email: email)
        if let directory { settings.directoryURL = directory }
        settings.caCertificateFile = caCertificate
        settings.dnsUpdateURL = dns
        return settings
    }
}
