import Foundation

/// Which repository a git URL names, ignoring what does not change the repository: credentials,
/// the case of scheme and host, a trailing `/` or `.git`. Used to tell whether a repository is
/// the one that created an app.
public enum RepositoryIdentity {
    public static func of(_ url: String) -> String {
        var text = url.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        if text.hasSuffix(".git") { text.removeLast(4) }
        guard let schemeEnd = text.range(of: "://") else {
            // scp-like `user@host:path`: the user is part of how one logs in, not of the repository.
            guard SourceLocation.isSCPLike(text), let at = text.firstIndex(of: "@") else { return text }
            let rest = text[text.index(after: at)...]
            let colon = rest.firstIndex(of: ":") ?? rest.endIndex
            return "ssh://" + rest[..<colon].lowercased() + "/" + rest[colon...].dropFirst()
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        var rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        rest = rest[authorityEnd...]
        return "\(scheme)://\(authority.lowercased())\(rest)"
    }

    public static func same(_ first: String, _ second: String) -> Bool { of(first) == of(second) }
}
