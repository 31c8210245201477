import Commands
import Foundation
import TestPorts

/// moto's S3 server (PyPI `moto[server]`, in the venv scripts/setup.sh makes) on a free port of
/// 127.0.0.1: a STAND-IN for Amazon S3, which cannot run here. It speaks the same REST API and
/// XML; it does not check signatures (AWS's published examples in SigV4Tests do).
package final class MotoS3Server: Sendable {
    package static let binary = ProcessInfo.processInfo.environment["SLIPWAY_MOTO_SERVER"] ?? "/opt/slipway-py/bin/moto_server"

    let process: BackgroundCommand
    package let port: Int
    let log: String
    package var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Fails (does not skip) with what to do when moto is missing.
    package static func start() async throws -> MotoS3Server {
        try UnitSuite.refuse("moto's S3 server")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("moto_server is not installed at \(binary): run `bash scripts/setup.sh` (it installs moto[server] into /opt/slipway-py)")
        }
        let port = try TestPorts.next()
        let log = NSTemporaryDirectory() + "moto-\(UUID().uuidString).log"
        let process = try await BackgroundCommand.start(Command(binary, ["-H", "127.0.0.1", "-p", String(port)]), log: log)
        let server = MotoS3Server(process: process, port: port, log: log)
        // Poll with a deadline until it answers.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await Tools.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/moto-api/"])) != nil { return server }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.stop()
        throw TestFailure("moto_server did not answer within 30 s: \(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000))")
    }

    private init(process: BackgroundCommand, port: Int, log: String) {
        self.process = process
        self.port = port
        self.log = log
    }

    /// Makes a bucket `name` (moto makes them with a plain, unsigned PUT).
    package func makeBucket(_ name: String) async throws {
        _ = try await Tools.run("/usr/bin/curl", ["-sf", "-X", "PUT", "\(endpoint.absoluteString)/\(name)"])
    }

    package func stop() {
        process.terminate()
        try? FileManager.default.removeItem(atPath: log)
    }
}
