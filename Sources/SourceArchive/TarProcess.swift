import Commands
import Foundation

/// Runs the system `tar`. The archive format itself is left to tar, which is on every machine
/// Slipway runs on and handles every corner of the format (long names, pax headers, sparse files);
/// this module only decides what goes in and what is allowed out.
enum TarProcess {
    /// A listing of an archive at the entry limit (100,000 names of up to 4 KiB) fits; a bigger one
    /// is refused rather than cut short.
    static let outputLimit = 256 * 1024 * 1024

    /// Runs tar with `arguments`; returns its standard output, throws with its standard error on failure.
    @discardableResult
    static func run(_ arguments: [String], action: String, timeout: Duration = .seconds(600)) async throws -> String {
        // The C locale keeps listing output ("link to", quoting of non-ASCII bytes) stable to parse.
        let command = Command("tar", arguments, environment: ["LC_ALL": "C"], timeout: timeout, outputLimit: outputLimit)
        return try await checked(action) { try await command.run() }.standardOutput
    }

    /// Runs tar through `execute` (whole output, or line by line) and puts its failures in words:
    /// tar missing, tar not finishing, tar exiting with an error.
    static func checked(_ action: String, _ execute: () async throws -> CommandResult) async throws -> CommandResult {
        let result: CommandResult
        do {
            result = try await execute()
        } catch let error as CommandError {
            switch error.kind {
            case .notFound: throw SourceArchiveError("tar is not installed; install GNU tar (apt-get install tar)")
            default: throw SourceArchiveError("tar could not \(action): \(error.description)")
            }
        }
        guard result.succeeded else {
            throw SourceArchiveError.tarFailed(action, status: result.statusDescription, stderr: result.standardError)
        }
        return result
    }
}
