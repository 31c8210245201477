import Foundation

/// A parsed `.dockerignore`, with Docker's matching rules (moby/patternmatcher), so a folder
/// uploaded by the CLI and a build context made by the server contain what `docker build` would send:
/// - one pattern per line; blank lines and lines starting with `#` are skipped;
/// - patterns are cleaned like Go's `filepath.Clean` (`./a//b/` is `a/b`) and a leading `/` is dropped,
///   so every pattern is relative to the root whether or not it starts with `/`;
/// - `*` matches within one path component, `?` one character, `[...]` a character class,
///   `**` any number of components (zero included), `\` escapes the next character;
/// - a pattern that matches a directory matches everything below it;
/// - `!pattern` re-includes what earlier patterns excluded; the last matching pattern wins.
public struct DockerIgnore: Sendable {
    struct Pattern: Sendable {
        let text: String
        let exclusion: Bool
        let regex: NSRegularExpression?
    }

    let patterns: [Pattern]

    public init(text: String) {
        var patterns: [Pattern] = []
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = String(rawLine)
            if line.hasPrefix("#") { continue }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let exclusion = line.hasPrefix("!")
            if exclusion { line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces) }
            if !line.isEmpty {
                line = DockerIgnore.clean(line)
                if line.count > 1 && line.hasPrefix("/") { line.removeFirst() }
            }
            patterns.append(Pattern(text: line, exclusion: exclusion, regex: DockerIgnore.regex(for: line)))
        }
        self.patterns = patterns
    }

    /// Reads `ROOT/.dockerignore`; no file means nothing is ignored.
    public init(contentsOf root: URL) throws {
        let file = root.appendingPathComponent(".dockerignore")
        guard FileManager.default.fileExists(atPath: file.path) else {
            self.init(text: "")
            return
        }
        do {
            self.init(text: try String(contentsOf: file, encoding: .utf8))
        } catch {
            throw SourceArchiveError("cannot read \(file.path) as UTF-8 text: \(error.localizedDescription)")
        }
    }

    /// True if some `!` pattern exists: then an ignored directory may still hold included files,
    /// so a walk has to look inside it.
    public var hasExceptions: Bool { patterns.contains { $0.exclusion } }

    /// Whether `relativePath` (slash-separated, relative to the root) is excluded.
    /// `isDirectory` is accepted for callers' clarity; Docker's rules treat files and directories alike
    /// (a pattern `build/` also matches a file named `build`).
    public func isIgnored(_ relativePath: String, isDirectory: Bool = false) -> Bool {
        let path = DockerIgnore.clean(relativePath)
        let parents = path.split(separator: "/").dropLast().map(String.init)
        var matched = false
        for pattern in patterns {
            // Same shortcut as moby: an exclusion can only flip a match, an inclusion only a non-match.
            if pattern.exclusion != matched { continue }
            var match = DockerIgnore.matches(pattern, path)
            if !match && !parents.isEmpty {
                for count in 1...parents.count where DockerIgnore.matches(pattern, parents.prefix(count).joined(separator: "/")) {
                    match = true
                    break
                }
            }
            if match { matched = !pattern.exclusion }
        }
        return matched
    }

    static func matches(_ pattern: Pattern, _ path: String) -> Bool {
        guard let regex = pattern.regex else { return false }
        return regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
    }

    /// The regular expression moby builds from a pattern; nil for a malformed pattern (say `[a`),
    /// which then matches nothing, as Docker's matcher reports it as never matching.
    static func regex(for pattern: String) -> NSRegularExpression? {
        var out = "^"
        var chars = Array(pattern)[...]
        while let ch = chars.popFirst() {
            switch ch {
            case "*":
                if chars.first == "*" {
                    chars.removeFirst()
                    if chars.first == "/" { chars.removeFirst() }
                    out += chars.isEmpty ? ".*" : "(.*/)?"
                } else {
                    out += "[^/]*"
                }
            case "?":
                out += "[^/]"
            case "[", "]":
                out.append(ch)
            case "\\":
                if let next = chars.popFirst() {
                    out += NSRegularExpression.escapedPattern(for: String(next))
                } else {
                    out += "\\\\"
                }
            case ".", "+", "(", ")", "|", "{", "}", "$":
                // Regex syntax with no meaning in a glob; other characters pass through as moby does,
                // which keeps `^` working as negation inside `[...]`.
                out += "\\" + String(ch)
            default:
                out.append(ch)
            }
        }
        out += "$"
        return try? NSRegularExpression(pattern: out, options: [.dotMatchesLineSeparators])
    }

    /// Go's `filepath.Clean` on slash paths: drops empty and `.` components, resolves `..` lexically.
    static func clean(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast() }
                else if !absolute { parts.append(part) }
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
