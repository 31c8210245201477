import ArgumentParser
import Foundation
import Logging
import SlipwayRouter
import SlipwayServer

/// `slipway router`: the router on its own, as `slipway server --standalone-router` starts it.
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Run the router as its own process: it keeps serving the last routes while `slipway server` restarts.",
        discussion: """
        `slipway server --standalone-router` starts it (detached) when none runs for its --data, and hands it the \
        routes over DATA/router/control.sock; it keeps the last ones in DATA/router/routes.json and serves them at \
        once after its own restart. Run it under systemd with the same --data, --http and --domain as the server.
        """)

    @Option(help: "State directory shared with the server (default: ~/.slipway).") var data: String?
    @Option(name: [.customLong("http"), .customLong("router")], help: "Address of the plain-HTTP listener.") var http = "127.0.0.1:7080"
    @Option(help: ArgumentHelp("Address of the HTTPS listener: certificates of DATA/certs by SNI.", valueName: "host:port"))
    var https: String?
    @Flag(help: "HTTPS responses carry Strict-Transport-Security.") var hsts = false
    @Option(help: "Domain apps are routed under: APP.DOMAIN.") var domain = "localhost"
    @Option(help: "Seconds a client may take to send a request head.") var headerTimeout = 10
    @Option(help: "Seconds a keep-alive connection may sit idle.") var idleTimeout = 60
    @Option(help: "Client connections held at once.") var maxConnections = 10_000
    @Option(name: .customLong("trusted-proxy"), help: ArgumentHelp("A proxy whose X-Forwarded-* headers are kept (repeatable).", valueName: "cidr"))
    var trustedProxy: [String] = []
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func validate() throws {
        _ = try ServerCommand.hostPort(http, option: "--http")
        if let https { _ = try ServerCommand.hostPort(https, option: "--https") }
        guard headerTimeout > 0, idleTimeout > 0, maxConnections > 0 else {
            throw ValidationError("--header-timeout, --idle-timeout and --max-connections must be positive")
        }
        _ = try ServerCommand.trustedProxies(trustedProxy)
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
    }

    func run() async throws {
        var configuration = ServerConfiguration(dataDirectory: data.map { URL(fileURLWithPath: $0) } ?? ServerConfiguration.defaultDataDirectory)
        (configuration.routerHost, configuration.routerPort) = try ServerCommand.hostPort(http, option: "--http")
        if let https { (configuration.httpsHost, configuration.httpsPort) = try ServerCommand.hostPort(https, option: "--https") }
        configuration.strictTransportSecurity = hsts ? "max-age=31536000" : nil
        configuration.domain = domain
        configuration.router.headerTimeout = .seconds(headerTimeout)
        configuration.router.idleTimeout = .seconds(idleTimeout)
        configuration.router.maxConnections = maxConnections
        configuration.router.trustedProxies = try ServerCommand.trustedProxies(trustedProxy)
        var logger = Logger(label: "slipway-router")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        try await SlipwayServer.runRouterProcess(configuration, logger: logger)
    }
}
