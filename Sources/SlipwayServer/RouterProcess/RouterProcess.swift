import Commands
import Foundation
import Logging
import SlipwayRouter

/// Where a router process (`slipway router`) of a data directory lives, and how the server starts
/// one: detached (`setsid`), in its own session, so that it outlives the server — a `kill -9` of the
/// server, its restart or upgrade leaves the router serving the last routes it was given.
struct RouterProcess: Sendable {
    /// DATA/router (0700): the control socket, the last route table, the pid and the log.
    let directory: URL
    let configuration: ServerConfiguration

    init(configuration: ServerConfiguration) {
        self.configuration = configuration
        self.directory = configuration.dataDirectory.appendingPathComponent("router")
    }

    var socketPath: String { directory.appendingPathComponent(RouterControl.socketName).path }
    var logFile: URL { directory.appendingPathComponent(RouterControl.logFileName) }

    /// `host:port` of the plain-HTTP listener the router must have.
    var http: String { "\(configuration.routerHost):\(configuration.routerPort)" }

    /// `host:port` of the HTTPS listener it must have, if any.
    var https: String? { configuration.httpsPort.map { "\(configuration.httpsHost ?? "0.0.0.0"):\($0)" } }

    /// The arguments of `slipway router` that give it this server's router settings.
    var arguments: [String] {
        var arguments = ["router", "--data", configuration.dataDirectory.path, "--http", http, "--domain", configuration.domain,
                         "--header-timeout", "\(configuration.router.headerTimeout.wholeSeconds)",
                         "--idle-timeout", "\(configuration.router.idleTimeout.wholeSeconds)",
                         "--max-connections", "\(configuration.router.maxConnections)"]
        for proxy in configuration.router.trustedProxies { arguments += ["--trusted-proxy", proxy.description] }
        if let https { arguments += ["--https", https] }
        if configuration.strictTransportSecurity != nil { arguments.append("--hsts") }
        return arguments
    }

    /// Starts `slipway router` (this same executable) detached, its output appended to router.log.
    func spawn(logger: Logger) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        // sh only redirects: the router's output goes to its log, not to the server's (gone) pipes.
        let script = #"log=$1; shift; exec "$@" >>"$log" 2>&1 </dev/null"#
        let command = Command("/usr/bin/setsid", ["-f", "/bin/sh", "-c", script, "sh", logFile.path, executable] + arguments,
                              environment: ["PATH": "/usr/bin:/bin"], timeout: .seconds(10))
        logger.info("starting the router process", metadata: ["router.http": "\(http)", "router.log": "\(logFile.path)"])
        try await command.runChecked()
    }
}

extension Duration {
    var wholeSeconds: Int64 { components.seconds }
}
