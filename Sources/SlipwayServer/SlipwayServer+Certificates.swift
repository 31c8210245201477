import CertificateStore
import Foundation
import Logging
import SlipwayCertificates
import SlipwayRouter
import SlipwayStore

extension SlipwayServer {
    /// With `--acme-email`: the service that obtains and renews the custom domains' certificates,
    /// answering HTTP-01 through the router. nil without it.
    static func certificateRenewer(
        _ configuration: ServerConfiguration, store: SlipwayStore, router: Router?, events: EventHub, logger: Logger
    ) throws -> CertificateRenewer? {
        guard let acme = configuration.acme, let router else { return nil }
        var renewal = CertificateRenewer.Configuration(acme: acme.acmeClientConfiguration)
        renewal.checkInterval = acme.checkInterval
        var logger = logger
        logger[metadataKey: "acme.directory"] = .string(acme.directoryURL)
        return try CertificateRenewer(
            configuration: renewal, store: CertificateStore(directory: configuration.certificatesDirectory),
            hosts: StoreDomainHosts(store: store), solver: RouterHTTP01Solver(tokens: router.challengeTokens),
            accountKey: try AccountKeyFile.loadOrCreate(at: configuration.acmeAccountKeyPath),
            report: { events.report($0) }, logger: logger)
    }
}
