import Foundation

/// An app's git remote (`GET /v1/apps/{app}/git`): where to push and which branch deploys.
public struct GitRemoteView: Codable, Sendable, Equatable {
    public var app: String
    /// `http(s)://HOST:PORT/git/APP.git`, as the client reached the server.
    public var remote: String
    /// The branch a push deploys (`main` unless set).
    public var branch: String

    public init(app: String, remote: String, branch: String) {
        self.app = app
        self.remote = remote
        self.branch = branch
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
