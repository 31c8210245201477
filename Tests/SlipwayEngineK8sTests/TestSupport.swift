import Foundation
import KubernetesAPI
import Logging
import SlipwayCore
import SlipwayEngines
import SlipwayKubernetes

let testLogger: Logger = {
    var logger = Logger(label: "SlipwayEngineK8sTests")
    logger.logLevel = .warning
    return logger
}()

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func withTimeout<T: Sendable>(seconds: Int, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TestFailure("\(what) did not finish within \(seconds) s")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TestFailure(what) }
        return result
    }
}

/// Runs `program` to its end; returns its output, throws with it on a non-zero exit.
@discardableResult
func runTool(_ program: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-k8s-run-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try handle.close()
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    guard process.terminationStatus == 0 else {
        throw TestFailure("`\(program) \(arguments.joined(separator: " "))` exited with \(process.terminationStatus): \(text.suffix(3000))")
    }
    return text
}

/// Collects deploy log lines.
actor LogLines {
    var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
    var sink: LogSink { { line in await self.append(line) } }
}

