import Foundation

/// Runs a command to completion with a deadline and returns its exit status and output.
/// Used for git, which Slipway drives as users would, rather than re-implementing it.
struct ProcessRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut = false
        var succeeded: Bool { status == 0 && !timedOut }
        /// The last non-empty line of stderr: usually the reason a command failed.
        var reason: String {
            if timedOut { return "timed out" }
            return stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .last(where: { !$0.isEmpty }) ?? "exit status \(status)"
        }
    }

    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String] = [:], timeout: Duration = .seconds(300)) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let (exits, exitContinuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { exitContinuation.yield($0.terminationStatus); exitContinuation.finish() }
        do {
            try process.run()
        } catch {
            throw ProcessRunnerError(description: "could not run \(executable): \(error)")
        }
        // Read both pipes concurrently so a chatty command cannot block on a full pipe.
        async let out = Task.detached { stdout.fileHandleForReading.readDataToEndOfFile() }.value
        async let err = Task.detached { stderr.fileHandleForReading.readDataToEndOfFile() }.value
        // Ends the command at the deadline; its result says whether it fired.
        let watchdog = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return false }
            process.terminate()
            return true
        }
        var status: Int32 = -1
        for await code in exits { status = code }
        watchdog.cancel()
        let timedOut = await watchdog.value
        return Result(status: status, stdout: String(decoding: await out, as: UTF8.self),
                      stderr: String(decoding: await err, as: UTF8.self), timedOut: timedOut)
    }
}

struct ProcessRunnerError: Error, CustomStringConvertible {
    var description: String
}

/// Finds an executable on PATH, as a shell would.
func executablePath(_ name: String) -> String? {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
    for directory in paths {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
