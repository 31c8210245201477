import Subprocess

/// Why a command did not run to its end: it could not start, overran its time or its output
/// limit, or (from `runChecked`) exited with a failure.
public struct CommandError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case notFound
        case couldNotStart
        case timedOut(Duration)
        case outputTooLarge(limit: Int)
        case failed
    }

    public var kind: Kind
    public var command: String
    /// The finished program's result, for `.failed`.
    public var result: CommandResult?
    public var description: String

    static func timedOut(_ command: Command) -> CommandError {
        let seconds = command.timeout.components.seconds
        return CommandError(kind: .timedOut(command.timeout), command: command.description, result: nil,
                            description: "`\(command)` did not finish within \(seconds) s and was stopped")
    }

    static func failed(_ command: Command, _ result: CommandResult) -> CommandError {
        CommandError(kind: .failed, command: command.description, result: result,
                     description: "`\(command)` failed (\(result.statusDescription)): \(result.reason)")
    }

    init(kind: Kind, command: String, result: CommandResult?, description: String) {
        self.kind = kind
        self.command = command
        self.result = result
        self.description = description
    }

    init(_ command: Command, _ error: SubprocessError) {
        switch error.code {
        case .executableNotFound:
            self.init(kind: .notFound, command: command.description, result: nil,
                      description: "`\(command.executable)` was not found on PATH; install it")
        case .outputLimitExceeded:
            self.init(kind: .outputTooLarge(limit: command.outputLimit), command: command.description, result: nil,
                      description: "`\(command)` printed more than \(command.outputLimit) bytes and was stopped")
        default:
            self.init(kind: .couldNotStart, command: command.description, result: nil,
                      description: "could not run `\(command)`: \(error)")
        }
    }

    public var timedOut: Bool {
        if case .timedOut = kind { return true }
        return false
    }
}
