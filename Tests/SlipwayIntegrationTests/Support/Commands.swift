import Commands
import Foundation
import SlipwayTestSupport

/// Runs a program to its end and returns its exit status and its stdout and stderr together.
/// Its standard input is `stdin`, else empty (never the test runner's own).
func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
                environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let result = try await Command(executable.path, arguments, environment: environment, workingDirectory: directory?.path,
                                   input: stdin.map { Array($0) }, timeout: .seconds(600), outputLimit: 64 * 1024 * 1024,
                                   combineOutput: true).run()
    return (result.exitStatus ?? -1, result.standardOutput)
}

/// Runs a program that must succeed (tar, python3, podman); throws with its output if it does not.
func run(_ executable: String, _ arguments: [String]) async throws {
    let result = try await runProcess(URL(fileURLWithPath: executable), arguments)
    guard result.status == 0 else { throw TestFailure("\(executable) \(arguments) failed: \(result.output)") }
}

/// Runs the real `slipway` CLI; with `--server URL` of a test server it gets that server's token
/// as SLIPWAY_TOKEN (each test server has its own data directory, which the CLI does not look in).
func runCLI(_ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
            environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    try await runProcess(TestServer.binary, arguments, in: directory, stdin: stdin, environment: cliEnvironment(arguments, environment))
}

/// `environment` plus SLIPWAY_TOKEN of the test server that `--server URL` in `arguments` names.
func cliEnvironment(_ arguments: [String], _ environment: [String: String] = [:]) -> [String: String] {
    var environment = environment
    if let flag = arguments.firstIndex(of: "--server"), flag + 1 < arguments.count, environment["SLIPWAY_TOKEN"] == nil,
       let token = ServerTokens.shared.token(for: arguments[flag + 1]) {
        environment["SLIPWAY_TOKEN"] = token
    }
    return environment
}
