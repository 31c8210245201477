import Foundation
import Subprocess

/// How a finished program ended and what it printed.
public struct CommandResult: Sendable {
    /// The exit status, or nil when a signal ended the program.
    public var exitStatus: Int32?
    /// The signal that ended the program, if one did.
    public var signal: Int32?
    public var standardOutput: String
    /// Empty when the command combined it into `standardOutput`.
    public var standardError: String

    public init(exitStatus: Int32?, signal: Int32? = nil, standardOutput: String, standardError: String) {
        self.exitStatus = exitStatus
        self.signal = signal
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    init(status: TerminationStatus, standardOutput: String, standardError: String) {
        switch status {
        case .exited(let code): self.init(exitStatus: code, standardOutput: standardOutput, standardError: standardError)
        case .signaled(let signal):
            self.init(exitStatus: nil, signal: signal, standardOutput: standardOutput, standardError: standardError)
        }
    }

    public var succeeded: Bool { exitStatus == 0 }

    /// The last non-empty line of standard error (or of the output, when combined): usually
    /// the reason a program failed.
    public var reason: String {
        let text = standardError.isEmpty ? standardOutput : standardError
        let last = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .last(where: { !$0.isEmpty })
        return last ?? statusDescription
    }

    /// `exit status 128`, `killed by signal 9`.
    public var statusDescription: String {
        if let exitStatus { return "exit status \(exitStatus)" }
        return "killed by signal \(signal ?? 0)"
    }
}
