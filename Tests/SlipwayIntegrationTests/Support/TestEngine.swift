import DockerAPI
import Foundation
import Logging
import SlipwayTestSupport
import Testing

/// The real container engine the integration tests run against (Podman, started by .ci/run).
enum TestEngine {
    static let socketPath = ProcessInfo.processInfo.environment["DOCKER_SOCKET"] ?? "/run/podman/podman.sock"

    static func docker() -> DockerClient {
        DockerClient(socketPath: socketPath, logger: Logger(label: "SlipwayIntegrationTests"))
    }

    /// Integration tests need the engine: without it they fail with what to do (they never pass vacuously).
    static func requireEngine() async throws {
        if await docker().ping() { return }
        throw TestFailure("""
            no container engine answers on \(socketPath); run `bash scripts/setup.sh` (it starts Podman's API service) \
            or set DOCKER_SOCKET
            """)
    }
}
