import SlipwayCertificates
import SlipwayStore

/// The hosts that need certificates: every custom domain in the store (`slipway domains add`).
struct StoreDomainHosts: CertificateHostsSource {
    let store: SlipwayStore

    func hostsNeedingCertificates() async throws -> [CertificateDemand] {
        try store.domains().map { CertificateDemand(host: $0.host.value, app: $0.app.value) }
    }
}
