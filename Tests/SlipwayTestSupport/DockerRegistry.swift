import Commands
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestPorts

/// A real CNCF registry (`docker-registry` from Debian) on a free loopback port, with its own
/// storage directory and log. `authSection` is the `auth:` part of its config (htpasswd or
/// token), empty for none.
///
/// A missing binary fails with the install command: these tests exist to run against the
/// real registry, and skipping would hide that they did not.
package final class DockerRegistry: Sendable {
    package let port: Int
    /// Holds the config, the storage and the log; removed by `stop()`.
    package let directory: URL
    private let process: BackgroundCommand

    package var host: String { "127.0.0.1:\(port)" }
    package var logFile: URL { directory.appendingPathComponent("registry.log") }

    private init(port: Int, directory: URL, process: BackgroundCommand) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Starts the registry in `directory` (made if missing; a fresh temporary one if nil) and
    /// waits until `/v2/` answers (200, or 401 with auth).
    package static func start(authSection: String = "", directory: URL? = nil) async throws -> DockerRegistry {
        try UnitSuite.refuse("docker-registry")
        let binary = try Tools.require("docker-registry", package: "docker-registry")
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("slipway-registry-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try TestPorts.next()
        let config = """
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: \(directory.path)/storage
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: slipway-test-secret
            \(authSection)
            """
        let configFile = directory.appendingPathComponent("config.yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let logFile = directory.appendingPathComponent("registry.log")
        let process = try await BackgroundCommand.start(Command(binary.path, ["serve", configFile.path]), log: logFile.path)
        let registry = DockerRegistry(port: port, directory: directory, process: process)
        do {
            try await registry.waitUntilAnswering()
        } catch {
            registry.stop()
            throw error
        }
        return registry
    }

    private func waitUntilAnswering() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestFailure("docker-registry exited at start (\(process.exit?.statusDescription ?? "?")); its log:\n\(logTail())")
            }
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://\(host)/v2/"), timeout: .seconds(2)) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                if [200, 401].contains(response.status.code) { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("docker-registry did not answer on \(host)/v2/ within 20 s; its log:\n\(logTail())")
    }

    package func stop() {
        // SIGTERM to its process group; the run reaps it in the background.
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    /// How many requests with `method` on a path containing `pathPart` the access log shows,
    /// waiting up to 2 s for it to reach `expected` (lines are written just after the answer).
    package func accessLogCount(method: String, pathPart: String, expected: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(2)
        while true {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            let count = text.split(separator: "\n").filter { $0.contains("\"\(method) ") && $0.contains(pathPart) }.count
            if count >= expected || ContinuousClock.now >= deadline { return count }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    package func logTail() -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)"
        return text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }
}
