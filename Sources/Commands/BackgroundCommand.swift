import Foundation
import Subprocess
import SystemPackage

/// A long-running program (Podman's API service, a test's registry or server) that runs until
/// stopped. Its output (standard output and error together) is appended to a log file or dropped.
/// It runs in its own process group; `stop()` ends the group with SIGTERM, then SIGKILL.
///
/// The child is watched by swift-subprocess's event loop; no thread waits on it.
public final class BackgroundCommand: Sendable {
    public let command: Command
    private let state: LockedState
    private let controls: AsyncStream<Signal>.Continuation
    private let task: Task<Void, Never>

    /// Starts `command` (its timeout and output limit do not apply: it runs until stopped).
    /// Throws when the program cannot start.
    public static func start(_ command: Command, log: String? = nil) async throws -> BackgroundCommand {
        let background = BackgroundCommand(command, log: log)
        try await background.state.waitUntilStarted()
        return background
    }

    private init(_ command: Command, log: String?) {
        self.command = command
        let state = LockedState()
        self.state = state
        let (signals, controls) = AsyncStream.makeStream(of: Signal.self)
        self.controls = controls
        task = Task {
            do {
                let sink = try log.map { try FileDescriptor.open(FilePath($0), .writeOnly, options: [.append, .create],
                                                                  permissions: [.ownerReadWrite, .groupRead, .otherRead]) }
                defer { try? sink?.close() }
                let outcome = try await Subprocess.run(
                    command.subprocessExecutable, arguments: Arguments(command.arguments),
                    environment: command.subprocessEnvironment,
                    workingDirectory: command.workingDirectory.map { FilePath($0) },
                    platformOptions: Command.platformOptions, input: .array(command.input ?? []),
                    output: .sequence, error: .combinedWithOutput
                ) { execution in
                    state.started(pid: execution.processIdentifier.value)
                    await withTaskGroup(of: Void.self) { group in
                        // The output ends when the program exits (swift-subprocess ends it then,
                        // even if a grandchild still holds the pipe).
                        group.addTask {
                            do {
                                for try await buffer in execution.standardOutput {
                                    _ = try? buffer.withUnsafeBytes { try sink?.writeAll($0) }
                                }
                            } catch {}
                        }
                        group.addTask {
                            for await signal in signals {
                                try? execution.send(signal: signal, toProcessGroup: true)
                            }
                        }
                        await group.next()
                        group.cancelAll()
                    }
                }
                state.exited(CommandResult(status: outcome.terminationStatus, standardOutput: "", standardError: ""))
            } catch {
                state.failed(error, command: command)
            }
        }
    }

    /// Whether the program still runs.
    public var isRunning: Bool { state.isRunning }

    /// How it ended (`exit status 1`), nil while it runs.
    public var exit: CommandResult? { state.result }

    /// The process id while it runs (for tests that signal it themselves).
    public var processIdentifier: Int32? { state.pid }

    /// SIGTERM to the program and its group; SIGKILL after `grace`. Returns once it has exited.
    public func stop(grace: Duration = .seconds(10)) async {
        controls.yield(.terminate)
        let killer = Task {
            try await Task.sleep(for: grace)
            controls.yield(.kill)
        }
        await task.value
        killer.cancel()
        controls.finish()
    }

    /// SIGKILL at once, as a crash would end it. Returns once it has exited.
    public func kill() async {
        controls.yield(.kill)
        await task.value
        controls.finish()
    }

    /// SIGTERM to the program and its group, without waiting: for a `defer` on the way out.
    public func terminate() {
        if let pid = state.pid { _ = Foundation.kill(-pid, SIGTERM) }
    }

    deinit {
        // Not stopped by its owner: SIGTERM now (this process may be about to exit), and the
        // cancelled run ends the child for good (SIGKILL two seconds later).
        terminate()
        task.cancel()
    }
}

/// What the running task shares with callers.
private final class LockedState: @unchecked Sendable {
    private let lock = NSLock()
    private var pidValue: Int32?
    private var resultValue: CommandResult?
    private var startError: (any Error)?
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var settled = false

    var pid: Int32? { lock.withLock { resultValue == nil ? pidValue : nil } }
    var isRunning: Bool { lock.withLock { pidValue != nil && resultValue == nil && startError == nil } }
    var result: CommandResult? { lock.withLock { resultValue } }

    func started(pid: Int32) {
        let waiting = lock.withLock {
            pidValue = pid
            settled = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume() }
    }

    func exited(_ result: CommandResult) {
        lock.withLock { resultValue = result }
    }

    func failed(_ error: any Error, command: Command) {
        let failure: any Error = (error as? SubprocessError).map { CommandError(command, $0) } ?? error
        let waiting = lock.withLock {
            startError = failure
            if resultValue == nil {
                resultValue = CommandResult(exitStatus: nil, standardOutput: "", standardError: "\(failure)")
            }
            settled = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume(throwing: failure) }
    }

    func waitUntilStarted() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = lock.withLock {
                guard settled else {
                    waiters.append(continuation)
                    return nil
                }
                if let startError { return .failure(startError) }
                return .success(())
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}
