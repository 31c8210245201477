import CertificateStore
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import SlipwayRouter

extension SlipwayServer {
    /// `slipway router`: the router of `configuration` (its listeners, limits and domain) as a
    /// process of its own, for `--standalone-router`. With `--https` it serves the certificate store
    /// of the data directory, reloaded when the store changes (the server and the ACME client write
    /// it; the reloader sees their change token within a second).
    /// Its metrics are recorded like the in-process router's (same names and labels) and read by the
    /// server over the control socket for its own `/metrics`, and its requests per app for the
    /// server's metrics history (`RouterTraffic`, `GET /traffic`).
    public static func runRouterProcess(_ configuration: ServerConfiguration, logger: Logger) async throws {
        let registry = ServerMetrics.registry  // swift-metrics is bootstrapped before the router makes its metrics
        var tls: RouterTLS?
        var services: [any Service] = []
        if let httpsPort = configuration.httpsPort {
            let certificates = CertificateStore(directory: configuration.certificatesDirectory)
            let served = ServedCertificates()
            let reloader = CertificateReloader(store: certificates, served: served, logger: logger)
            await reloader.reloadIfChanged()
            tls = RouterTLS(host: configuration.httpsHost ?? "0.0.0.0", port: httpsPort, certificates: served,
                            strictTransportSecurity: configuration.strictTransportSecurity)
            services.append(reloader)
        }
        try await RouterDaemon.run(dataDirectory: configuration.dataDirectory, host: configuration.routerHost, port: configuration.routerPort,
                                   domain: configuration.domain, configuration: configuration.router, tls: tls, services: services,
                                   metrics: { registry.emitToString() }, traffic: { RouterTraffic.shared.drainJSON() }, logger: logger)
    }
}
