import Foundation
import SlipwayTestSupport

/// Runs a program to its end and returns its exit status and its stdout and stderr together.
/// Its standard input is `stdin` through a pipe, else empty (never the test runner's own).
func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs a program that must succeed (tar, python3, podman); throws with its output if it does not.
func run(_ executable: String, _ arguments: [String]) throws {
    let result = try runProcess(URL(fileURLWithPath: executable), arguments)
    guard result.status == 0 else { throw TestFailure("\(executable) \(arguments) failed: \(result.output)") }
}

/// Runs the real `slipway` CLI.
func runCLI(_ arguments: [String], in directory: URL? = nil, stdin: Data? = nil) throws -> (status: Int32, output: String) {
    try runProcess(TestServer.binary, arguments, in: directory, stdin: stdin)
}
