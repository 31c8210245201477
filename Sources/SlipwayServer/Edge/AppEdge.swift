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
        for (app, records) in Dictionary(grouping: try store.domains(), by: \.app) {
            routes.setCustomHosts(app: app.value, records.map(Self.customHost))
        }
        for record in try store.maintenance() {
            routes.setMaintenance(app: record.app.value, Self.page(record))
        }
    }

    /// The app's hosts and maintenance mode as stored now (after a change).
    func sync(_ app: AppName) async throws {
        guard let routes else { return }
        routes.setCustomHosts(app: app.value, try store.domains(of: app).map(Self.customHost))
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

    static func page(_ record: MaintenanceRecord) -> MaintenancePage {
        MaintenancePage(app: record.app.value, message: record.message)
    }
}
