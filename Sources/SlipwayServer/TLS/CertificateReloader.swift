import CertificateStore
import Logging
import ServiceLifecycle
import SlipwayRouter

/// Keeps what the router's HTTPS listener serves equal to the certificate store: at start, when
/// the API changed it, and (for writers outside this process, or the ACME client) whenever the
/// store's change token moves, looked at every `interval`. No restart is needed.
actor CertificateReloader: Service {
    let store: CertificateStore
    let served: ServedCertificates
    let interval: Duration
    let logger: Logger
    private var lastToken: String?

    init(store: CertificateStore, served: ServedCertificates, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.served = served
        self.interval = interval
        self.logger = logger
    }

    /// Loads the store into the router if it changed since the last look.
    func reloadIfChanged() {
        let token = self.store.changeToken()
        guard token != self.lastToken else { return }
        self.lastToken = token
        var entries: [ServedCertificates.Entry] = []
        for entry in self.store.entries() {
            switch entry.result {
            case .success(let loaded):
                entries.append(.init(host: loaded.record.host.name, chainPEM: loaded.bundle.certificatePEM, keyPEM: loaded.bundle.keyPEM))
            case .failure(let error):
                // A damaged file: the host keeps what it served (if anything), `slipway certs` shows why.
                self.logger.warning("a stored certificate cannot be served", metadata: ["tls.host": "\(entry.host)", "error": "\(error.message)"])
            }
        }
        for failure in self.served.replace(with: entries) {
            self.logger.warning("the router could not load a certificate", metadata: ["tls.host": "\(failure.host)", "error": "\(failure.error)"])
        }
        self.logger.info("certificates loaded", metadata: ["tls.hosts": "\(self.served.hosts.joined(separator: ", "))"])
    }

    func run() async throws {
        self.reloadIfChanged()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                await self.reloadIfChanged()
            }
        }
    }
}
