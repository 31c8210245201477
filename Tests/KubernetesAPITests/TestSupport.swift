import Foundation
import KubernetesAPI
import Logging
import NIOCore
import SlipwayTestSupport

let testLogger = Logger(label: "KubernetesAPITests")

/// A client of `server` authenticating with a bearer token as user "alice".
func makeClient(_ server: ScriptedServer, token: String = "s3cr3t-token", namespace: String = "slipway-shop") throws -> KubernetesClient {
    try KubernetesClient(
        configuration: KubernetesClient.Configuration(
            server: server.url, credentials: KubernetesClient.Credentials(bearerToken: token), namespace: namespace,
            contextName: "test", clusterName: "test", userName: "alice", requestTimeout: .seconds(10), connectTimeout: .seconds(2)),
        logger: testLogger)
}

/// Runs `body` with a scripted server and a client of it, then shuts both down.
func withServer(_ body: (ScriptedServer, KubernetesClient) async throws -> Void) async throws {
    let server = try await ScriptedServer()
    let client = try makeClient(server)
    do {
        try await body(server, client)
    } catch {
        try? await client.shutdown()
        try? await server.stop()
        throw error
    }
    try await client.shutdown()
    try await server.stop()
}

/// A temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "k8s-api-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

func write(_ text: String, to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

extension JSONValue {
    /// Parses a JSON literal in a test.
    init(_ text: String) throws {
        try self.init(jsonData: Data(text.utf8))
    }
}
