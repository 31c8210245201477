import AsyncHTTPClient
import Commands
import DockerAPI
import Foundation
import Logging

/// Finds the container engine's Docker-API socket, or starts Podman's API service when none answers.
/// Order: --engine-socket, DOCKER_HOST, /run/podman/podman.sock, /var/run/docker.sock.
struct EngineConnector {
    struct Connection {
        var docker: DockerClient
        /// The `podman system service` process this server started, to stop on exit.
        var startedService: BackgroundCommand?
    }

    static func candidates(explicit: String?, environment: [String: String]) -> [String] {
        var sockets: [String] = []
        if let explicit { sockets.append(explicit) }
        if let host = environment["DOCKER_HOST"], host.hasPrefix("unix://") { sockets.append(String(host.dropFirst(7))) }
        sockets += ["/run/podman/podman.sock", "/var/run/docker.sock"]
        return sockets
    }

    static func connect(explicitSocket: String?, dataDirectory: URL, logger: Logger) async throws -> Connection {
        let sockets = candidates(explicit: explicitSocket, environment: ProcessInfo.processInfo.environment)
        for socket in sockets where FileManager.default.fileExists(atPath: socket) {
            let client = DockerClient(socketPath: socket, logger: logger)
            if await client.ping() {
                logger.info("container engine found", metadata: ["engine.socket": "\(socket)"])
                return Connection(docker: client, startedService: nil)
            }
        }
        let socket = dataDirectory.appendingPathComponent("podman.sock").path
        try? FileManager.default.removeItem(atPath: socket)
        let process: BackgroundCommand
        do {
            process = try await BackgroundCommand.start(Command("podman", ["system", "service", "--time=0", "unix://\(socket)"]))
        } catch let error as CommandError where error.kind == .notFound {
            throw ServerStartupError("no container engine answers at \(sockets.joined(separator: ", ")); install Podman (apt-get install podman) or Docker, or pass --engine-socket PATH")
        }
        logger.info("started podman's API service", metadata: ["engine.socket": "\(socket)"])
        let client = DockerClient(socketPath: socket, logger: logger)
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if await client.ping() { return Connection(docker: client, startedService: process) }
            try await Task.sleep(for: .milliseconds(100))
        }
        await process.stop()
        throw ServerStartupError("started `podman system service` at \(socket) but it did not answer within 15s; run it by hand to see why")
    }
}
