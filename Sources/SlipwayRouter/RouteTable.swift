import Atomics
import NIOConcurrencyHelpers

/// The hosts the router answers for, and where each one goes.
///
/// Read on every request from every event loop, written on deploys: writers build a new immutable
/// `RouteSnapshot` and swap it in under a lock, so readers only hold the lock long enough to retain
/// one reference.
public final class RouteTable: Sendable {
    public let domain: String
    private let state: NIOLockedValueBox<State>
    /// Bumped after every change, once the new snapshot is in place: the router reads it on every
    /// request to tell, without taking the lock, whether the route it cached is still current.
    private let changes = ManagedAtomic<Int>(0)

    private struct State {
        var apps: [String: AppRoutes] = [:]
        var snapshot: RouteSnapshot
        var observers: [Int: @Sendable () -> Void] = [:]
        var nextObserverID = 0
    }

    struct AppRoutes {
        var services: [String: [Backend]]
        var defaultService: String?
    }

    public init(domain: String = "localhost") {
        let domain = RouteTable.normalize(domain)
        self.domain = domain
        self.state = NIOLockedValueBox(State(snapshot: RouteSnapshot(domain: domain, apps: [:])))
    }

    /// Replace all routes of one app: services -> backends; `defaultService` is where `APP.DOMAIN` goes.
    public func setRoutes(app: String, services: [String: [Backend]], defaultService: String?) {
        self.update { $0[app.lowercased()] = AppRoutes(services: services, defaultService: defaultService) }
    }

    /// Takes one backend out of an app's rotation (a replica failing its health checks), atomically.
    public func removeBackend(_ backend: Backend, app: String) {
        self.update { apps in
            guard var routes = apps[app.lowercased()] else { return }
            for (name, list) in routes.services { routes.services[name] = list.filter { $0 != backend } }
            apps[app.lowercased()] = routes
        }
    }

    public func removeApp(_ app: String) {
        self.update { $0[app.lowercased()] = nil }
    }

    public func backends(app: String, service: String) -> [Backend] {
        self.state.withLockedValue { $0.apps[app.lowercased()]?.services[service] } ?? []
    }

    public var apps: [String] {
        self.state.withLockedValue { Array($0.apps.keys) }.sorted()
    }

    public func resolve(host: String) -> RouteResolution {
        guard let route = self.snapshot.route(forHost: host) else { return .unknownHost }
        if route.backends.isEmpty { return .noBackends(app: route.app, service: route.service) }
        return .service(app: route.app, service: route.service, backends: route.backends)
    }

    /// The current routes; cheap enough to call once per request.
    var snapshot: RouteSnapshot {
        self.state.withLockedValue { $0.snapshot }
    }

    /// How many changes the table has had. Read it before `snapshot`: a snapshot is at least as
    /// new as the count read before it.
    var generation: Int {
        self.changes.load(ordering: .acquiring)
    }

    /// Calls `observer` (on the writer's thread, outside the lock) after every change.
    /// The router uses it to close pooled connections to backends that left the table.
    @discardableResult
    func addObserver(_ observer: @escaping @Sendable () -> Void) -> Int {
        self.state.withLockedValue { state in
            state.nextObserverID += 1
            state.observers[state.nextObserverID] = observer
            return state.nextObserverID
        }
    }

    func removeObserver(_ id: Int) {
        self.state.withLockedValue { _ = $0.observers.removeValue(forKey: id) }
    }

    private func update(_ body: (inout [String: AppRoutes]) -> Void) {
        let observers = self.state.withLockedValue { state in
            body(&state.apps)
            state.snapshot = RouteSnapshot(domain: self.domain, apps: state.apps)
            self.changes.wrappingIncrement(ordering: .releasing)
            return Array(state.observers.values)
        }
        for observer in observers { observer() }
    }

    /// Lowercases, drops a `:port` (and IPv6 brackets) and a trailing dot.
    static func normalize(_ host: some StringProtocol) -> String {
        var name = Substring(host)
        if name.hasPrefix("[") {
            // An IP literal never names an app; keep it whole so it simply fails to resolve.
            if let close = name.firstIndex(of: "]") { name = name[...close] }
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        // Avoid the lowercasing copy for the common already-lowercase case.
        if name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            return name.lowercased()
        }
        return String(name)
    }
}

/// One routable service at one moment; identity is used by the pools as a round-robin key.
final class ServiceRoute: Sendable {
    let app: String
    let service: String
    let backends: [Backend]

    init(app: String, service: String, backends: [Backend]) {
        self.app = app
        self.service = service
        self.backends = backends
    }
}

/// An immutable view of the table: full host name -> service.
final class RouteSnapshot: Sendable {
    let domain: String
    let hosts: [String: ServiceRoute]
    let allBackends: Set<Backend>

    init(domain: String, apps: [String: RouteTable.AppRoutes]) {
        var hosts: [String: ServiceRoute] = [:]
        var all = Set<Backend>()
        for (app, routes) in apps {
            var byService: [String: ServiceRoute] = [:]
            for (service, backends) in routes.services {
                let route = ServiceRoute(app: app, service: service, backends: backends)
                byService[service] = route
                hosts["\(service.lowercased()).\(app).\(domain)"] = route
                all.formUnion(backends)
            }
            if let defaultService = routes.defaultService {
                hosts["\(app).\(domain)"] =
                    byService[defaultService] ?? ServiceRoute(app: app, service: defaultService, backends: [])
            }
        }
        self.domain = domain
        self.hosts = hosts
        self.allBackends = all
    }

    func route(forHost host: some StringProtocol) -> ServiceRoute? {
        self.hosts[RouteTable.normalize(host)]
    }
}
