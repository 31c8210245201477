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
        var routes = Routes()
        var snapshot: RouteSnapshot
        var observers: [Int: @Sendable () -> Void] = [:]
        var nextObserverID = 0
    }

    public struct AppRoutes: Codable, Sendable, Equatable {
        public var services: [String: [Backend]]
        public var defaultService: String?
    }

    /// Everything a snapshot is built from. Backends come from the engine (deploys, health checks);
    /// custom hosts and maintenance pages from the server (`slipway domains`, `slipway maintenance`).
    /// Codable: the server hands it whole to a router running as its own process (`slipway router`),
    /// which keeps the last one on disk.
    public struct Routes: Codable, Sendable, Equatable {
        public var apps: [String: AppRoutes] = [:]
        public var customHosts: [String: [CustomHost]] = [:]
        public var maintenance: [String: MaintenancePage] = [:]
        public init() {}
    }

    public init(domain: String = "localhost") {
        let domain = RouteTable.normalize(domain)
        self.domain = domain
        self.state = NIOLockedValueBox(State(snapshot: RouteSnapshot(domain: domain, routes: Routes())))
    }

    /// Replace all routes of one app: services -> backends; `defaultService` is where `APP.DOMAIN` goes.
    public func setRoutes(app: String, services: [String: [Backend]], defaultService: String?) {
        self.update { $0.apps[app.lowercased()] = AppRoutes(services: services, defaultService: defaultService) }
    }

    /// Takes one backend out of an app's rotation (a replica failing its health checks), atomically.
    public func removeBackend(_ backend: Backend, app: String) {
        self.update { all in
            guard var routes = all.apps[app.lowercased()] else { return }
            for (name, list) in routes.services { routes.services[name] = list.filter { $0 != backend } }
            all.apps[app.lowercased()] = routes
        }
    }

    /// Forgets the app's backends (the engine removed its replicas). Its custom hosts and maintenance
    /// page stay until `setCustomHosts` / `setMaintenance` say otherwise: the server owns those.
    public func removeApp(_ app: String) {
        self.update { $0.apps[app.lowercased()] = nil }
    }

    /// Replaces the app's custom hosts (exact names or `*.` wildcards, already validated and
    /// lowercase). An exact host wins over a wildcard, a longer wildcard over a shorter one, and
    /// the built-in `APP.DOMAIN` names over any custom host.
    public func setCustomHosts(app: String, _ hosts: [CustomHost]) {
        self.update { $0.customHosts[app.lowercased()] = hosts.isEmpty ? nil : hosts }
    }

    /// Maintenance mode: while `page` is set, every host of the app answers 503 with it, whatever
    /// its backends; nil turns it off.
    public func setMaintenance(app: String, _ page: MaintenancePage?) {
        self.update { $0.maintenance[app.lowercased()] = page }
    }

    /// Everything in the table, to hand to another process.
    public func exportRoutes() -> Routes {
        self.state.withLockedValue { $0.routes }
    }

    /// Replaces everything at once (what a router process receives from the server).
    public func replaceRoutes(_ routes: Routes) {
        self.update { $0 = routes }
    }

    public func backends(app: String, service: String) -> [Backend] {
        self.state.withLockedValue { $0.routes.apps[app.lowercased()]?.services[service] } ?? []
    }

    public var apps: [String] {
        self.state.withLockedValue { Array($0.routes.apps.keys) }.sorted()
    }

    public func resolve(host: String) -> RouteResolution {
        guard let route = self.snapshot.route(forHost: host) else { return .unknownHost }
        if route.maintenance != nil { return .maintenance(app: route.app) }
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
    /// The router uses it to close pooled connections to backends that left the table; the server
    /// to hand the table to a router process.
    @discardableResult
    public func addObserver(_ observer: @escaping @Sendable () -> Void) -> Int {
        self.state.withLockedValue { state in
            state.nextObserverID += 1
            state.observers[state.nextObserverID] = observer
            return state.nextObserverID
        }
    }

    public func removeObserver(_ id: Int) {
        self.state.withLockedValue { _ = $0.observers.removeValue(forKey: id) }
    }

    private func update(_ body: (inout Routes) -> Void) {
        let observers = self.state.withLockedValue { state in
            body(&state.routes)
            state.snapshot = RouteSnapshot(domain: self.domain, routes: state.routes)
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
