import Foundation

/// An app's git settings (`GET /v1/apps/{app}/git`, `slipway git show`): where to push, the one
/// branch that deploys (by push or by webhook), and the forge connection if there is one.
public struct GitRemoteView: Codable, Sendable, Equatable {
    public var app: String
    /// `BASE/git/APP.git`: the server's `--public-url`, else as the client reached the server.
    public var remote: String
    /// The deploy branch: pushes to it and webhooks for it deploy (`main` unless set).
    public var branch: String
    /// `slipway git connect`'s repository, forge and webhook URL (no secret); nil: not connected.
    public var connection: GitConnectionView?

    public init(app: String, remote: String, branch: String, connection: GitConnectionView? = nil) {
        self.app = app
        self.remote = remote
        self.branch = branch
        self.connection = connection
    }
}

/// `PUT /v1/apps/{app}/git`.
public struct GitRemoteSettings: Codable, Sendable, Equatable {
    public var branch: String
    public init(branch: String) { self.branch = branch }
}

/// A branch name as `git check-ref-format --branch` accepts it, narrowed to what is safe to pass
/// around: ASCII letters, digits and `-_./`, no `..`, `//`, leading `-` or `/`, trailing `/` or `.lock`.
public enum GitBranch {
    public static func validate(_ name: String) throws {
        let ok = !name.isEmpty && name.count <= 200 && !name.hasPrefix("-") && !name.hasPrefix("/") && !name.hasSuffix("/")
            && !name.hasSuffix(".lock") && !name.hasSuffix(".") && !name.contains("..") && !name.contains("//") && !name.contains("/.")
            && !name.hasPrefix(".") && name != "HEAD"
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
        if !ok {
            throw SlipwayError.invalidRequest("\"\(name)\" is not a branch name git accepts (letters, digits, -, _, . and /; no .., //, leading - or trailing /)")
        }
    }
}
