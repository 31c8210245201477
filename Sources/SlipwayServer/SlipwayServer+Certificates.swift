import ACME
import CertificateStore
import DNSUpdate
import Foundation
import Logging
import SlipwayCertificates
import SlipwayRouter
import SlipwayStore

extension SlipwayServer {
    /// With `--acme-email`: the service that obtains and renews the custom domains' certificates,
    /// answering HTTP-01 through the router and, with `--acme-dns`, DNS-01 for wildcards (among
    /// them `*.DOMAIN` for every app). nil without it.
    static func certificateRenewer(
        _ configuration: ServerConfiguration, store: SlipwayStore, router: Router?, events: EventHub, logger: Logger
    ) throws -> CertificateRenewer? {
        guard let acme = configuration.acme, let router else { return nil }
        var renewal = CertificateRenewer.Configuration(acme: acme.acmeClientConfiguration)
        renewal.checkInterval = acme.checkInterval
        var logger = logger
        logger[metadataKey: "acme.directory"] = .string(acme.directoryURL)
        var solvers: [any ACMEChallengeSolver] = [RouterHTTP01Solver(tokens: router.challengeTokens)]
        var hosts = StoreDomainHosts(store: store)
        if let dns = try acme.dnsUpdate {
            var dnsLogger = logger
            dnsLogger[metadataKey: "dns.server"] = .string("\(dns.host):\(dns.port)")
            solvers.append(RFC2136DNS01Solver(client: RFC2136Client(configuration: dns, logger: dnsLogger), logger: dnsLogger))
            hosts.serverWildcard = StoreDomainHosts.wildcard(forDomain: configuration.domain)
        }
        return try CertificateRenewer(
            configuration: renewal, store: CertificateStore(directory: configuration.certificatesDirectory),
            hosts: hosts, solvers: solvers,
            accountKey: try AccountKeyFile.loadOrCreate(at: configuration.acmeAccountKeyPath),
            report: { events.report($0) }, logger: logger)
    }
}
