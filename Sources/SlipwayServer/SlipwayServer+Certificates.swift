import ACME
import CertificateStore
import DNSUpdate
import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayCertificates
import SlipwayRouter
import SlipwayStore

extension SlipwayServer {
    /// With `--acme-email`: the service that obtains and renews the custom domains' certificates,
    /// answering HTTP-01 through the router (`http01`: in this process, or the router process's
    /// link) and, with `--acme-dns`, DNS-01 for wildcards (among them `*.DOMAIN` for every app).
    /// nil without it.
    static func certificateRenewer(
        _ configuration: ServerConfiguration, store: SlipwayStore, http01: (any ACMEChallengeSolver)?, events: EventHub, logger: Logger
    ) throws -> CertificateRenewer? {
        guard let acme = configuration.acme, let http01 else { return nil }
        var renewal = CertificateRenewer.Configuration(acme: acme.acmeClientConfiguration)
        renewal.checkInterval = acme.checkInterval
        var logger = logger
        logger[metadataKey: "acme.directory"] = .string(acme.directoryURL)
        var solvers: [any ACMEChallengeSolver] = [http01]
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
            report: { events.report($0) }, reportServerWide: { events.reportServerWide(kind: $0, message: $1) }, logger: logger)
    }
}

/// Wakes the renewer after each deploy: a release may have brought a second routed service,
/// whose `SERVICE.APP.DOMAIN` needs `*.APP.DOMAIN` (see `StoreDomainHosts`), well before the
/// renewer's next look.
struct RenewerWakeOnDeploy: Service {
    let events: EventHub
    let renewer: CertificateRenewer

    func run() async throws {
        for await event in await events.followAll().cancelOnGracefulShutdown() where event.kind == .deployCompleted {
            renewer.wake()
        }
    }
}
