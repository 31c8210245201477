/// The only commands the SSH server runs: what `git push` and `git fetch` send as an exec request,
/// `git-receive-pack '/shop.git'` (ssh:// URLs) or `git-receive-pack 'shop.git'` (`slipway@host:shop.git`).
/// Anything else, and any path but one app's repository, is refused with a message for the user.
public struct GitCommand: Sendable, Equatable {
    public enum Service: String, Sendable {
        case receivePack = "git-receive-pack"
        case uploadPack = "git-upload-pack"
    }

    public let service: Service
    /// The repository's name without `/` or `.git`: the app's name, a DNS label (`shop`).
    public let repository: String

    public init(service: Service, repository: String) {
        self.service = service
        self.repository = repository
    }

    /// Parses an exec request's command. Strict on purpose: one command, one space, one argument in
    /// single quotes, the name a lowercase DNS label; nothing is ever handed to a shell.
    public init(exec command: String) throws(SSHRefusal) {
        guard command.utf8.count <= 256, let space = command.firstIndex(of: " ") else {
            throw SSHRefusal.notGit(command)
        }
        guard let service = Service(rawValue: String(command[..<space])) else { throw SSHRefusal.notGit(command) }
        let argument = command[command.index(after: space)...]
        guard argument.count >= 2, argument.hasPrefix("'"), argument.hasSuffix("'") else {
            throw SSHRefusal.badRepository(String(argument))
        }
        var path = argument.dropFirst().dropLast()
        if path.hasPrefix("/") { path = path.dropFirst() }
        if path.hasSuffix(".git") { path = path.dropLast(4) }
        guard Self.isAppName(path) else { throw SSHRefusal.badRepository(String(argument)) }
        self.init(service: service, repository: String(path))
    }

    /// A DNS-1123 label: 1-63 of `a-z`, `0-9` and `-`, starting and ending with a letter or digit.
    static func isAppName(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }
}

/// Why a session's request was refused: the text the user sees on standard error (the session then
/// ends with exit status 1).
public struct SSHRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static let usage = "push with `git push ssh://slipway@HOST:PORT/APP.git main` (deploys APP); everything else goes through the slipway CLI and its API"

    static func notGit(_ command: String) -> SSHRefusal {
        SSHRefusal("slipway: only git push and fetch are served over SSH, not `\(shown(command))`: \(usage)")
    }

    static func badRepository(_ argument: String) -> SSHRefusal {
        SSHRefusal("slipway: \(shown(argument)) is not an app's repository: name it /APP.git, APP being an app name (lowercase letters, digits and dashes)")
    }

    static let shell = SSHRefusal("slipway: no shell here: \(usage)")
    static let once = SSHRefusal("slipway: one command per session")

    /// Untrusted text made safe to print: control characters shown as `?`, at most 80 characters.
    static func shown(_ text: String) -> String {
        let safe = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return safe.count > 80 ? String(safe.prefix(80)) + "..." : safe
    }
}
