import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `slipway router`: the router as its own process, for `slipway server --standalone-router`.
/// Serves the table it last kept on disk from its first second, takes new ones from the server over
/// its control socket, and runs until SIGTERM or SIGINT, whatever happens to the server — or until
/// its control socket is removed (its data directory deleted) or taken by another router, when no
/// server can reach it any more (`ControlSocketWatch`).
public enum RouterDaemon {
    /// `tls`: the HTTPS listener too; `services` run beside the router (what keeps its certificates
    /// current); `metrics` renders the process's metrics for the control socket's `GET /metrics`, and
    /// `traffic` its requests per app since the last read for `GET /traffic`.
    public static func run(dataDirectory: URL, host: String, port: Int, domain: String,
                           configuration: RouterConfiguration, tls: RouterTLS? = nil, services: [any Service] = [],
                           metrics: @escaping @Sendable () -> String = { "" },
                           traffic: @escaping @Sendable () -> Data = { Data("{}".utf8) }, logger: Logger) async throws {
        let directory = dataDirectory.appendingPathComponent("router")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stateFile = RouteStateFile(url: directory.appendingPathComponent(RouterControl.routesFileName))
        let routes = RouteTable(domain: domain)
        do {
            if let saved = try stateFile.read() {
                routes.replaceRoutes(saved)
                logger.info("serving the last routes kept", metadata: ["router.apps": "\(saved.apps.count)"])
            }
        } catch {
            logger.error("the kept routes are unreadable; starting empty until the server sends them",
                         metadata: ["error": "\(error)", "file": "\(stateFile.url.path)"])
        }
        let router = Router(host: host, port: port, routes: routes, logger: logger, configuration: configuration, tls: tls)
        try await router.start()
        let control = RouterControlServer(router: router, stateFile: stateFile, metrics: metrics, traffic: traffic, logger: logger)
        let socketPath = directory.appendingPathComponent(RouterControl.socketName).path
        try await control.start(socketPath: socketPath)
        let pidFile = directory.appendingPathComponent(RouterControl.pidFileName)
        try "\(getpid())\n".write(to: pidFile, atomically: true, encoding: .utf8)
        // A router whose control socket is gone or another's can never be reached again: it stops.
        let watch = ServiceGroupConfiguration.ServiceConfiguration(service: ControlSocketWatch(socketPath: socketPath, logger: logger),
                                                                   successTerminationBehavior: .gracefullyShutdownGroup)
        let group = ServiceGroup(configuration: .init(services: [.init(service: RouterService(router: router))] + services.map { .init(service: $0) } + [watch],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await control.stop()
        try? FileManager.default.removeItem(at: pidFile)
    }
}
