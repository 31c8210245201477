import Foundation

/// Why a source tree could not be archived or an archive could not be extracted.
/// Messages name the offending path and say what to do, because they reach users verbatim
/// (the server answers an upload with them; the CLI prints them).
public struct SourceArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func unsafeEntry(_ path: String, _ reason: String) -> SourceArchiveError {
        .init("the archive entry \"\(path)\" \(reason); nothing was extracted. Remove it from the source folder (or add it to .dockerignore) and deploy again")
    }

    static func symlinkEscapes(_ path: String, target: String) -> SourceArchiveError {
        .init("the symlink \"\(path)\" -> \"\(target)\" points outside the source tree; replace it with the file it points to, or remove it")
    }

    static func tarFailed(_ action: String, status: String, stderr: String) -> SourceArchiveError {
        let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return .init("tar failed to \(action) (\(status))" + (detail.isEmpty ? "" : ": \(detail)"))
    }
}
