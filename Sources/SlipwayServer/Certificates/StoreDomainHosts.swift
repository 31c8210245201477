import SlipwayCertificates
import SlipwayCore
import SlipwayStore

/// The hosts that need certificates: every custom domain in the store (`slipway domains add`)
/// and, with DNS-01 (`--acme-dns`), the wildcard of the server's domain, which covers every
/// app's `APP.DOMAIN` with one certificate, and `*.APP.DOMAIN` for each app with more than one
/// routed service: a wildcard covers one label only, so `*.DOMAIN` does not cover
/// `SERVICE.APP.DOMAIN`.
struct StoreDomainHosts: CertificateHostsSource {
    let store: SlipwayStore
    /// `*.DOMAIN`, or nil (no DNS-01, or a domain no public CA issues for, like localhost).
    var serverWildcard: String?

    func hostsNeedingCertificates() async throws -> [CertificateDemand] {
        let domains = try store.domains().map { CertificateDemand(host: $0.host.value, app: $0.app.value) }
        guard let serverWildcard else { return domains }
        let appWildcards = try store.currentReleases().filter { $0.services.filter(\.isRouted).count > 1 }.map {
            CertificateDemand(host: "*.\($0.app.value).\(serverWildcard.dropFirst(2))", app: $0.app.value)
        }
        return [CertificateDemand(host: serverWildcard, app: nil)] + appWildcards + domains
    }

    /// The wildcard for `--domain`: only a name with a dot that is not localhost or an IP address.
    static func wildcard(forDomain domain: String) -> String? {
        let name = domain.lowercased()
        guard name.contains("."), !name.hasSuffix("localhost"), !name.allSatisfy({ $0.isNumber || $0 == "." }), !name.contains(":") else { return nil }
        return "*." + name
    }
}
