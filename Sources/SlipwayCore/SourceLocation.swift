import Foundation

/// A deploy's source as the user named it: a git URL, or a directory on the server's machine.
/// Validation happens here, before anything runs, because the string reaches `git clone`.
public enum SourceLocation: Sendable, Equatable {
    case git(url: String)
    case localPath(String)

    public init(_ raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            throw SlipwayError.invalidSource("the source is empty; give a git URL (https://, ssh://, file://) or a path")
        }
        // A leading '-' would be read by git as an option.
        if text.hasPrefix("-") {
            throw SlipwayError.invalidSource("source \"\(text)\" starts with '-'; give a git URL or an absolute path")
        }
        if text.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw SlipwayError.invalidSource("source contains control characters")
        }
        // git's remote helpers `ext::` and `fd::` run commands or use file descriptors: never allowed.
        let lower = text.lowercased()
        if lower.hasPrefix("ext::") || lower.hasPrefix("fd::") || lower.contains("::") {
            throw SlipwayError.invalidSource("source \"\(text)\" uses a git transport helper (`::`), which is not allowed; use https://, ssh:// or file://")
        }
        if let schemeEnd = lower.range(of: "://") {
            let scheme = String(lower[..<schemeEnd.lowerBound])
            guard ["https", "http", "ssh", "git", "file"].contains(scheme) else {
                throw SlipwayError.invalidSource("source scheme \"\(scheme)://\" is not supported; use https://, http://, ssh://, git:// or file://")
            }
            guard text.count > schemeEnd.upperBound.utf16Offset(in: lower) else {
                throw SlipwayError.invalidSource("source \"\(text)\" has no host or path after the scheme")
            }
            self = .git(url: text)
        } else if text.hasPrefix("/") || text.hasPrefix(".") {
            self = .localPath(text)
        } else if SourceLocation.isSCPLike(text) {
            self = .git(url: text)
        } else {
            throw SlipwayError.invalidSource("source \"\(text)\" is neither a git URL (https://, ssh://, file://, git@host:path) nor an absolute path")
        }
    }

    /// `user@host:path`, git's scp-like syntax for ssh.
    static func isSCPLike(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), let at = text.firstIndex(of: "@"), at < colon else { return false }
        return !text[..<at].isEmpty && text[text.index(after: at)..<colon].count > 0 && !text[text.index(after: colon)...].isEmpty
    }

    /// The app name a RAD `/trigger` derives from a repository: its last path component without `.git`.
    public var suggestedAppName: AppName? {
        let text: String
        switch self {
        case .git(let url): text = url
        case .localPath(let path): text = path
        }
        var last = text.split(whereSeparator: { $0 == "/" || $0 == ":" }).last.map(String.init) ?? ""
        if last.hasSuffix(".git") { last.removeLast(4) }
        return DNSLabel.sanitized(last)
    }
}

/// Git refs are passed to git as arguments: refuse anything git could read as an option or a range.
public enum GitRef {
    public static func validate(_ ref: String) throws {
        let ok = !ref.isEmpty && !ref.hasPrefix("-") && !ref.contains("..") && ref.count <= 255
            && ref.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
        if !ok {
            throw SlipwayError.invalidSource("ref \"\(ref)\" is not a valid branch, tag or commit name")
        }
    }
}
