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

    func validate() throws {
        if email == nil, directory != nil || caCertificate != nil {
            throw ValidationError("--acme-directory and --acme-ca-cert need --acme-email, the ACME account's contact")
        }
    }

    var settings: ACMESettings? {
        guard let email else { return nil }
        var settings = ACMESettings(email: email)
        if let directory { settings.directoryURL = directory }
        settings.caCertificateFile = caCertificate
        return settings
    }
}
