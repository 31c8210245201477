import Subprocess
import SystemPackage

/// A program run to its end, as a user would run it from a shell but without one: no quoting,
/// no expansion. Every run is bounded: `timeout` ends it, `outputLimit` caps what it may print,
/// and cancelling the calling task ends it too. Ending means SIGTERM to the program and everything
/// it started (its own process group), then SIGKILL two seconds later.
///
/// Nothing here blocks a thread: the child is watched and its pipes are read by swift-subprocess's
/// event loop, so a stalled git or tar cannot take a thread of Swift's cooperative pool.
public struct Command: Sendable, CustomStringConvertible {
    /// A name looked up on PATH (`git`) or a path (`/usr/bin/tar`).
    public var executable: String
    public var arguments: [String]
    /// Added to, or replacing, the variables this process runs with.
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Bytes written to the program's standard input, then closed; nil: /dev/null.
    public var input: [UInt8]?
    public var timeout: Duration
    /// Bytes each of standard output and standard error may hold; more ends the run with
    /// `CommandError.outputTooLarge` (a partial output could be mistaken for the whole).
    public var outputLimit: Int
    /// Standard error goes into standard output, interleaved as a terminal shows them.
    public var combineOutput: Bool

    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
                workingDirectory: String? = nil, input: [UInt8]? = nil, timeout: Duration = .seconds(300),
                outputLimit: Int = 4 * 1024 * 1024, combineOutput: Bool = false) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
        self.timeout = timeout
        self.outputLimit = outputLimit
        self.combineOutput = combineOutput
    }

    /// `git clone --quiet ...`: the program's name and its first arguments, for messages.
    public var description: String {
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        return ([name] + arguments.prefix(3)).joined(separator: " ") + (arguments.count > 3 ? " ..." : "")
    }

    /// Runs the program to its end. A non-zero exit is a result (see `CommandResult.succeeded`);
    /// a program that cannot start, overruns its timeout or prints too much throws `CommandError`.
    public func run() async throws -> CommandResult {
        let command = self
        return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
            group.addTask { try await command.runUnbounded() }
            group.addTask {
                try await Task.sleep(for: command.timeout)
                return nil
            }
            // The first to finish decides; cancelling the other ends the child (swift-subprocess
            // runs the teardown sequence when the task running it is cancelled).
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let result = first else { throw CommandError.timedOut(command) }
            return result
        }
    }

    /// Runs the program and throws `CommandError.failed` (with the last line of its error output)
    /// unless it exits with status 0.
    @discardableResult
    public func runChecked() async throws -> CommandResult {
        let result = try await run()
        guard result.succeeded else { throw CommandError.failed(self, result) }
        return result
    }

    private func runUnbounded() async throws -> CommandResult {
        let outcome: ExecutionResult<Void, StringOutput<Unicode.UTF8>, StringOutput<Unicode.UTF8>>
        do {
            if combineOutput {
                let combined = try await Subprocess.run(
                    subprocessExecutable, arguments: Arguments(arguments), environment: subprocessEnvironment,
                    workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: Self.platformOptions,
                    input: .array(input ?? []), output: .string(limit: outputLimit), error: .combinedWithOutput)
                return CommandResult(status: combined.terminationStatus, standardOutput: combined.standardOutput,
                                     standardError: "")
            }
            outcome = try await Subprocess.run(
                subprocessExecutable, arguments: Arguments(arguments), environment: subprocessEnvironment,
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: Self.platformOptions,
                input: .array(input ?? []), output: .string(limit: outputLimit), error: .string(limit: outputLimit))
        } catch let error as SubprocessError {
            throw CommandError(self, error)
        }
        return CommandResult(status: outcome.terminationStatus, standardOutput: outcome.standardOutput,
                             standardError: outcome.standardError)
    }

    var subprocessExecutable: Executable {
        executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
    }

    var subprocessEnvironment: Environment {
        guard !environment.isEmpty else { return .inherit }
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment { updates[Environment.Key(rawValue: key)!] = value }
        return .inherit.updating(updates)
    }

    /// Its own session (so its own process group): ending it ends what it started too (git's
    /// remote helpers, a shell's children), and a terminal's Ctrl-C reaches only the server.
    static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        return options
    }
}
