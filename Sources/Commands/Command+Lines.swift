import Foundation
import Subprocess
import SystemPackage

extension Command {
    /// Runs the program and hands each line of its standard output to `onLine` as it arrives,
    /// holding one read buffer and one partial line, never the whole output (a listing of millions
    /// of lines costs what one line costs). A throw from `onLine` ends the program (its group gets
    /// SIGTERM, then SIGKILL) and is rethrown. Past `timeout` the group gets SIGKILL and the run
    /// throws `CommandError.timedOut`; a line longer than `outputLimit` throws `.outputTooLarge`.
    /// Standard error is kept, up to `outputLimit`.
    public func forEachLine(_ onLine: (Substring) throws -> Void) async throws -> CommandResult {
        let command = self
        let limit = outputLimit
        let deadline = ContinuousClock.now + timeout
        let outcome: ExecutionResult<Void, SequenceOutput, StringOutput<Unicode.UTF8>>
        do {
            outcome = try await Subprocess.run(
                subprocessExecutable, arguments: Arguments(arguments), environment: subprocessEnvironment,
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: Self.platformOptions,
                input: .array(input ?? []), output: .sequence, error: .string(limit: limit)
            ) { execution in
                let group = execution.processIdentifier.value
                try await withThrowingTaskGroup(of: Void.self) { watchdog in
                    watchdog.addTask {
                        try await Task.sleep(until: deadline)
                        _ = Foundation.kill(-group, SIGKILL)
                    }
                    defer { watchdog.cancelAll() }
                    var pending: [UInt8] = []
                    for try await buffer in execution.standardOutput {
                        buffer.withUnsafeBytes { pending.append(contentsOf: $0) }
                        var start = pending.startIndex
                        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                            try onLine(Substring(String(decoding: pending[start..<newline], as: UTF8.self)))
                            start = newline + 1
                        }
                        pending.removeSubrange(..<start)
                        if pending.count > limit {
                            throw CommandError(kind: .outputTooLarge(limit: limit), command: command.description, result: nil,
                                               description: "`\(command)` printed a line longer than \(limit) bytes and was stopped")
                        }
                    }
                    if !pending.isEmpty { try onLine(Substring(String(decoding: pending, as: UTF8.self))) }
                }
            }
        } catch let error as SubprocessError {
            throw CommandError(self, error)
        }
        if ContinuousClock.now >= deadline { throw CommandError.timedOut(self) }
        return CommandResult(status: outcome.terminationStatus, standardOutput: "", standardError: outcome.standardError ?? "")
    }
}
