import Foundation
import KubernetesAPI
import Logging

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

/// Runs a program and returns its standard output; throws with its stderr when it fails.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        struct Failed: Error, CustomStringConvertible { var description: String }
        throw Failed(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
    }
    return String(decoding: outData, as: UTF8.self)
}

extension JSONValue {
    /// Parses a JSON literal in a test.
    init(_ text: String) throws {
        try self.init(jsonData: Data(text.utf8))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Runs `body`, failing with `TimedOut` after `seconds` (streams that never end must not hang the suite).
func withTimeout<T: Sendable>(seconds: Int, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(description: "\(what) did not finish within \(seconds) s")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimedOut(description: what) }
        return result
    }
}
