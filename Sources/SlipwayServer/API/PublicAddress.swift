import Foundation
import Hummingbird
import SlipwayCore

/// The address the server prints for itself (git remotes, webhook URLs): `--public-url` when the
/// server is started with one (it sits behind a proxy or a name the callers do not use), else the
/// scheme and `Host` the caller reached the API with.
struct PublicAddress: Sendable {
    /// `https://deploy.example.com` or `https://example.com/slipway`: no trailing slash.
    var publicURL: String?
    /// The API is served over TLS.
    var secure: Bool
    /// When a request has no Host (HTTP/1.0).
    var fallbackAuthority: String

    init(_ configuration: ServerConfiguration) {
        publicURL = configuration.publicURL
        secure = configuration.tls != nil
        fallbackAuthority = "\(configuration.listenHost):\(configuration.listenPort)"
    }

    /// `BASE` + `path` (which starts with `/`).
    func url(_ path: String, request: Request) -> String {
        if let publicURL { return publicURL + path }
        return "\(secure ? "https" : "http")://\(request.head.authority ?? fallbackAuthority)\(path)"
    }

    /// Checks `--public-url`: an absolute http(s) URL with a host, maybe a port and a path, nothing
    /// else (no user, query or fragment: it is printed into remotes and webhook URLs). Returns it
    /// without a trailing slash.
    static func checked(_ text: String) throws -> String {
        func refuse(_ why: String) -> SlipwayError {
            let shown = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) }.prefix(100))
            return .invalidRequest("--public-url \"\(shown)\" \(why); give the address callers reach the API at, e.g. --public-url https://deploy.example.com")
        }
        guard text.utf8.count <= 300, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }) else {
            throw refuse("has spaces, control or non-ASCII characters, or is too long")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            throw refuse("is not an http:// or https:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw refuse("has no host") }
        guard components.user == nil, components.password == nil else { throw refuse("carries a user name or password") }
        guard components.query == nil, components.fragment == nil else { throw refuse("has a query or a fragment") }
        if let port = components.port, !(1...65535).contains(port) { throw refuse("has a port out of range") }
        let isAddress = host.hasPrefix("[") || host.allSatisfy { $0.isNumber || $0 == "." }
        if !isAddress {
            guard host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            }) else { throw refuse("has a host name that is not a DNS name") }
        }
        let path = components.percentEncodedPath
        guard !path.contains("//"), !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw refuse("has a path with empty, . or .. segments")
        }
        var shown = text
        while shown.hasSuffix("/") { shown.removeLast() }
        return shown
    }
}

extension ServerConfiguration {
    /// `--public-url`, checked (see `PublicAddress.checked`); throws a message saying what was wrong.
    public static func checkedPublicURL(_ text: String) throws -> String { try PublicAddress.checked(text) }

    /// The host name of `--public-url`, if given: also the name the SSH remote is printed with.
    public var publicHost: String? { publicURL.flatMap { URLComponents(string: $0)?.host } }
}
