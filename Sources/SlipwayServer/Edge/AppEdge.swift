import CertificateStore
import Logging
import SlipwayCore
import SlipwayRouter
import SlipwayStore

/// What the router serves for apps besides their replicas — custom hosts, maintenance pages, and
/// the certificates obtained for them — kept in the store and copied into the route table: all of
/// it at start (before the router answers), one app's after each change. Replicas' backends are
/// the engine's business.
struct AppEdge: Sendable {
    let store: SlipwayStore
    /// nil with `--engine kubernetes`: there is no local router (the cluster's Ingress routes apps).
    let routes: RouteTable?
    /// Returns once the router serves the table as changed: at once in process; a router process
    /// (`--standalone-router`) has been handed it. A user whose `domains remove` returned expects the
    /// host gone.
    var applied: @Sendable () async -> Void = {}
    /// The certificates the router serves (nil where there are none, as in some tests).
    var certificates: CertificateStore?

    /// Every app's hosts and maintenance mode, as stored.
    func restore() throws {
        guard let routes else { return }
        var hosts = Dictionary(grouping: try store.domains(), by: \.app).mapValues { $0.map(Self.customHost) }
        for preview in try store.previews() {
            hosts[preview.app, default: []].append(Self.previewHost(preview, domain: routes.domain))
        }
        for (app, appHosts) in hosts {
            routes.setCustomHosts(app: app.value, appHosts)
        }
        for record in try store.maintenance() {
            routes.setMaintenance(app: record.app.value, Self.page(record))
        }
    }

    /// The app's hosts and maintenance mode as stored now (after a change).
    func sync(_ app: AppName) async throws {
        guard let routes else { return }
        let preview = try store.preview(app).map { Self.previewHost($0, domain: routes.domain) }
        routes.setCustomHosts(app: app.value, try store.domains(of: app).map(Self.customHost) + (preview.map { [$0] } ?? []))
        routes.setMaintenance(app: app.value, try store.maintenance(of: app).first.map(Self.page))
        await applied()
    }

    /// The app is gone: so are its hosts and its maintenance page.
    func forget(_ app: AppName) async {
        routes?.setCustomHosts(app: app.value, [])
        routes?.setMaintenance(app: app.value, nil)
        await applied()
    }

    /// The hosts whose certificates belong to the app: its custom domains and `*.APP.DOMAIN` (which
    /// a DNS-01 server obtains for an app with several routed services). Read them before the app's
    /// records go.
    func certificateHosts(of app: AppName) throws -> [String] {
        try store.domains(of: app).map(\.host.value) + (routes.map { ["*.\(app.value).\($0.domain)"] } ?? [])
    }

    /// Certificates this server obtained (ACME) for hosts that no longer route anywhere — a domain
    /// removed, an app destroyed — are removed, so nothing renews them, `slipway certs` no longer
    /// lists them, and the router stops serving them at its next look at the store. Certificates
    /// added by hand (`slipway certs add`) are the operator's: kept, as `slipway certs remove` is theirs.
    func retireCertificates(of hosts: [String], logger: Logger? = nil) {
        guard let certificates else { return }
        for raw in hosts {
            guard let host = try? CertificateHost(raw), let loaded = try? certificates.certificate(for: host),
                  loaded.record.source == .acme else { continue }
            do {
                try certificates.remove(host: host)
                logger?.info("certificate removed: its host no longer routes to an app", metadata: ["tls.host": "\(host)"])
            } catch {
                logger?.warning("could not remove the certificate of a host that no longer routes", metadata: ["tls.host": "\(host)", "error": "\(error)"])
            }
        }
    }

    static func customHost(_ record: DomainRecord) -> CustomHost {
        CustomHost(host: record.host.value, service: record.service)
    }

    /// A preview app (`APP-pr-N`) answers at `pr-N.APP.DOMAIN` too.
    static func previewHost(_ preview: PreviewRecord, domain: String) -> CustomHost {
        CustomHost(host: Previews.host(number: preview.number, parent: preview.parent, domain: domain))
    }

    static func page(_ record: MaintenanceRecord) -> MaintenancePage {
        MaintenancePage(app: record.app.value, message: record.message,
                        retryAfterSeconds: record.retryAfterSeconds ?? MaintenanceRequest.defaultRetryAfterSeconds)
    }
}
