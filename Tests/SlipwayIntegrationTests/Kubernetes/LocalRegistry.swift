import AsyncHTTPClient
import Foundation

/// A `docker-registry` (Debian package) on a free loopback port, without auth.
final class LocalRegistry: Sendable {
    let process: Process
    let directory: URL
    let port: Int
    var host: String { "127.0.0.1:\(port)" }

    init(process: Process, directory: URL, port: Int) {
        self.process = process
        self.directory = directory
        self.port = port
    }

    static func start() async throws -> LocalRegistry {
        let binary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("docker-registry is not installed: `apt-get install -y docker-registry` (bash scripts/setup.sh does)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-k8s-registry-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = Int.random(in: 20000...40000)
        try """
            version: 0.1
            storage:
              filesystem:
                rootdirectory: \(directory.path)/storage
            http:
              addr: 127.0.0.1:\(port)
              secret: slipway-test-secret
            """.write(to: directory.appendingPathComponent("config.yml"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", directory.appendingPathComponent("config.yml").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let registry = LocalRegistry(process: process, directory: directory, port: port)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { break }
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://\(registry.host)/v2/"), timeout: .seconds(2)) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                if response.status.code == 200 { return registry }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        registry.stop()
        throw TestFailure("docker-registry did not answer on \(registry.host) within 20 s")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
