import Subprocess
import SystemPackage

extension Command {
    /// Runs the program as a peer on a connection would: its standard input is fed from `input` as
    /// bytes arrive, and its output and error are handed to `output` and `error` as it writes them
    /// (a git-receive-pack behind an SSH channel). `self.input` and `outputLimit` do not apply; the
    /// timeout and cancellation do (both end the program and its group). Returns how it ended.
    ///
    /// Reading `input` stops once the program's output has ended (it exited), so a peer that never
    /// closes its side cannot keep the run open.
    public func runStreaming<Input: AsyncSequence & Sendable>(
        input: Input,
        output: @escaping @Sendable ([UInt8]) async throws -> Void,
        error: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> CommandResult where Input.Element == [UInt8] {
        let command = self
        return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
            group.addTask { try await command.streamUnbounded(input: input, output: output, error: error) }
            group.addTask {
                try await Task.sleep(for: command.timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let result = first else { throw CommandError.timedOut(command) }
            return result
        }
    }

    private func streamUnbounded<Input: AsyncSequence & Sendable>(
        input: Input,
        output: @escaping @Sendable ([UInt8]) async throws -> Void,
        error: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> CommandResult where Input.Element == [UInt8] {
        do {
            let outcome = try await Subprocess.run(
                subprocessExecutable, arguments: Arguments(arguments), environment: subprocessEnvironment,
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: Self.platformOptions,
                input: .inputWriter, output: .sequence, error: .sequence
            ) { execution in
                let writer = execution.standardInputWriter
                let standardOutput = execution.standardOutput
                let standardError = execution.standardError
                await withTaskGroup(of: Part.self) { group in
                    group.addTask {
                        do {
                            for try await bytes in input { _ = try await writer.write(bytes) }
                        } catch {}
                        try? await writer.finish()
                        return .input
                    }
                    group.addTask {
                        await withTaskGroup(of: Void.self) { outputs in
                            outputs.addTask {
                                do { for try await buffer in standardOutput { try await output(buffer.withUnsafeBytes { Array($0) }) } } catch {}
                            }
                            outputs.addTask {
                                do { for try await buffer in standardError { try await error(buffer.withUnsafeBytes { Array($0) }) } } catch {}
                            }
                        }
                        return .output
                    }
                    // Once the program's output has ended (it exited, or closed both pipes on its way
                    // out), its input is no longer read.
                    while let part = await group.next() {
                        if part == .output { group.cancelAll() }
                    }
                }
            }
            return CommandResult(status: outcome.terminationStatus, standardOutput: "", standardError: "")
        } catch let failure as SubprocessError {
            throw CommandError(self, failure)
        }
    }
}

/// The halves of a streamed run, as they end.
private enum Part: Sendable { case input, output }

