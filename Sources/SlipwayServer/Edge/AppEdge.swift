import SlipwayCore
import SlipwayRouter
import SlipwayStore

/// What the router serves for apps besides their replicas — custom hosts and maintenance pages —
/// kept in the store and copied into the route table: all of it at start (before the router
/// answers), one app's after each change. Replicas' backends are the engine's business.
struct AppEdge: Sendable {
    let store: SlipwayStore
    /// nil with `--engine kubernetes`: there is no local router (the cluster's Ingress routes apps).
    let routes: RouteTable?
    /// Returns once the router serves the table as changed: at once in process; a router process
    /// (`--standalone-router`) has been handed it. A user whose `domains remove` returned expects the
    /// host gone.
    var applied: @Sendable () async -> Void = {}

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
