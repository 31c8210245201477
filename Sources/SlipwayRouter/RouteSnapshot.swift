/// One routable service at one moment; identity is used by the pools as a round-robin key.
final class ServiceRoute: Sendable {
    let app: String
    let service: String
    let backends: [Backend]
    /// Set while the app is in maintenance mode: the router answers with it instead of a backend.
    let maintenance: MaintenancePage?

    init(app: String, service: String, backends: [Backend], maintenance: MaintenancePage? = nil) {
        self.app = app
        self.service = service
        self.backends = backends
        self.maintenance = maintenance
    }
}

/// An immutable view of the table: full host name -> service, and wildcard bases -> service.
final class RouteSnapshot: Sendable {
    let domain: String
    /// Exact names: the built-in `APP.DOMAIN` and `SERVICE.APP.DOMAIN`, then custom hosts.
    let hosts: [String: ServiceRoute]
    /// `*.shop.example.com` is stored as `shop.example.com`; empty on most servers, so the lookup
    /// of a name that is not in `hosts` usually costs nothing more.
    let wildcards: [String: ServiceRoute]
    let allBackends: Set<Backend>

    init(domain: String, routes: RouteTable.Routes) {
        var hosts: [String: ServiceRoute] = [:]
        var wildcards: [String: ServiceRoute] = [:]
        var all = Set<Backend>()
        var byApp: [String: [String: ServiceRoute]] = [:]
        for (app, appRoutes) in routes.apps {
            let maintenance = routes.maintenance[app]
            var byService: [String: ServiceRoute] = [:]
            for (service, backends) in appRoutes.services {
                let route = ServiceRoute(app: app, service: service, backends: backends, maintenance: maintenance)
                byService[service] = route
                hosts["\(service.lowercased()).\(app).\(domain)"] = route
                all.formUnion(backends)
            }
            byApp[app] = byService
            if let defaultService = appRoutes.defaultService {
                hosts["\(app).\(domain)"] = byService[defaultService]
                    ?? ServiceRoute(app: app, service: defaultService, backends: [], maintenance: maintenance)
            }
        }
        // An app in maintenance answers with its page at APP.DOMAIN even with nothing deployed.
        for (app, page) in routes.maintenance where hosts["\(app).\(domain)"] == nil {
            hosts["\(app).\(domain)"] = ServiceRoute(app: app, service: routes.apps[app]?.defaultService ?? "", backends: [], maintenance: page)
        }
        for (app, customHosts) in routes.customHosts {
            let appRoutes = routes.apps[app]
            for custom in customHosts {
                let service = custom.service ?? appRoutes?.defaultService ?? ""
                let route = byApp[app]?[service]
                    ?? ServiceRoute(app: app, service: service, backends: [], maintenance: routes.maintenance[app])
                if custom.host.hasPrefix("*.") {
                    wildcards[String(custom.host.dropFirst(2))] = route
                } else if hosts[custom.host] == nil {  // the built-in names win
                    hosts[custom.host] = route
                }
            }
        }
        self.domain = domain
        self.hosts = hosts
        self.wildcards = wildcards
        self.allBackends = all
    }

    func route(forHost host: some StringProtocol) -> ServiceRoute? {
        let name = RouteTable.normalize(host)
        if let route = self.hosts[name] { return route }
        guard !self.wildcards.isEmpty, !name.hasPrefix("[") else { return nil }
        // The most specific wildcard first: a.b.shop.example.com tries b.shop.example.com, then
        // shop.example.com, then example.com.
        var rest = Substring(name)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            if let route = self.wildcards[String(rest)] { return route }
        }
        return nil
    }
}
