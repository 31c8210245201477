import Commands
import DockerAPI
import Foundation
import Logging
import Testing

/// Access to the real container engine for the integration tests.
///
/// The socket comes from `DOCKER_SOCKET` (default: Podman's). When the engine does not
/// answer, tests are skipped, unless `SLIPWAY_REQUIRE_ENGINE=1` (CI), where they fail.
enum Engine {
    static let socketPath = ProcessInfo.processInfo.environment["DOCKER_SOCKET"] ?? "/run/podman/podman.sock"
    static let required = ProcessInfo.processInfo.environment["SLIPWAY_REQUIRE_ENGINE"] == "1"
    static let baseImage = "docker.io/library/busybox:latest"

    static func client() async -> DockerClient? {
        let client = DockerClient(socketPath: socketPath, logger: Logger(label: "DockerAPITests"))
        if await client.ping() {
            return client
        }
        if required {
            Issue.record("""
                The container engine does not answer on \(socketPath) and SLIPWAY_REQUIRE_ENGINE=1. \
                Start it (`podman system service --time=0 unix://\(socketPath) &`) or set DOCKER_SOCKET.
                """)
        } else {
            print("DockerAPITests: no container engine at \(socketPath); skipping (set SLIPWAY_REQUIRE_ENGINE=1 to fail instead)")
        }
        return nil
    }

    /// Runs `body` with a client and removes every container and image it registered,
    /// whether it succeeded or threw.
    static func run(_ body: (DockerClient, Cleanup) async throws -> Void) async throws {
        guard let client = await client() else { return }
        let cleanup = Cleanup(client: client)
        do {
            try await body(client, cleanup)
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }

    /// A name nobody else uses, so parallel tests and runs cannot collide.
    static func uniqueName(_ prefix: String) -> String {
        "slipway-dockerapi-test-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// What a test created on the engine, removed at the end.
actor Cleanup {
    let client: DockerClient
    private var containers: [String] = []
    private var images: [String] = []

    init(client: DockerClient) {
        self.client = client
    }

    func container(_ id: String) { containers.append(id) }
    func image(_ reference: String) { images.append(reference) }

    func run() async {
        for id in containers.reversed() {
            do { try await client.removeContainer(id, force: true) } catch { print("cleanup: container \(id): \(error)") }
        }
        for reference in images.reversed() {
            do { try await client.removeImage(reference, force: true) } catch { print("cleanup: image \(reference): \(error)") }
        }
        containers = []
        images = []
    }
}

/// A build context as an uncompressed tar file, made with the system's tar.
struct BuildContext {
    let directory: URL
    let tar: URL

    init(files: [String: String]) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dockerapi-test-\(UUID().uuidString)")
        directory = root.appendingPathComponent("context")
        tar = root.appendingPathComponent("context.tar")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (path, content) in files {
            let file = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: file)
        }
        let result = try await Command("tar", ["-C", directory.path, "-cf", tar.path, "."]).run()
        guard result.succeeded else {
            throw DockerAPIError(statusCode: nil, message: "tar failed (\(result.statusDescription)): \(result.reason)")
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }
}

/// Collects build output lines from the `onOutput` callback.
actor OutputCollector {
    private(set) var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
}

struct TimeoutError: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with `TimeoutError` if it takes longer than `seconds`; the body is cancelled then.
func withTimeout<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimeoutError(what: what)
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimeoutError(what: what) }
        return result
    }
}
