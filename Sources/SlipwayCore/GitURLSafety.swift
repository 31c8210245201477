import Foundation

/// What a git URL carries that must not travel with it: credentials in `https://user:token@host/`
/// (they would reach deploy logs, events and every API view of the source), and hosts a server
/// should not be made to fetch from (cloud metadata services, link-local addresses).
public enum GitURLSafety {
    /// The URL without credentials (what git is given), as shown (`https://***@host/path`), and the
    /// credentials; nil when the URL carries none. Only http(s): an ssh user (`git@`) is a login
    /// name, not a secret.
    public struct Split: Sendable, Equatable {
        public var clean: String
        public var shown: String
        public var username: String
        public var password: String
    }

    public static let redaction = "***@"

    public static func split(_ url: String) -> Split? {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userinfo = authority[..<at]
        let host = authority[authority.index(after: at)...]
        let scheme = url[..<schemeEnd.upperBound]
        let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let decode = { (text: Substring) in text.removingPercentEncoding ?? String(text) }
        return Split(clean: "\(scheme)\(host)\(rest[authorityEnd...])", shown: "\(scheme)\(redaction)\(host)\(rest[authorityEnd...])",
                     username: decode(parts[0]), password: parts.count > 1 ? decode(parts[1]) : "")
    }

    /// `https://***@host/path` back to `https://host/path`.
    public static func withoutRedaction(_ url: String) -> String {
        guard let range = url.range(of: "://" + redaction) else { return url }
        return url.replacingCharacters(in: range, with: "://")
    }

    /// A warning for transports without encryption (anyone on the path can change the code).
    public static func transportWarning(_ url: String) -> String? {
        let lower = url.lowercased()
        if lower.hasPrefix("http://") {
            return "warning: \(url) is fetched over plain http: anyone on the network path can read or change the code; use https://"
        }
        if lower.hasPrefix("git://") {
            return "warning: \(url) uses the git:// protocol, which is neither encrypted nor authenticated; use https:// or ssh://"
        }
        return nil
    }

    /// The host a git URL names (https, http, git, ssh, or scp-like `user@host:path`), lowercased,
    /// without brackets or port; nil for file:// and paths.
    public static func host(of url: String) -> String? {
        var authority: Substring
        if let schemeEnd = url.range(of: "://") {
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            guard scheme != "file" else { return nil }
            let rest = url[schemeEnd.upperBound...]
            authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
        } else if SourceLocation.isSCPLike(url), let colon = url.firstIndex(of: ":") {
            authority = url[..<colon]
        } else {
            return nil
        }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close]).lowercased()
        }
        if let colon = authority.lastIndex(of: ":") { authority = authority[..<colon] }
        return authority.lowercased()
    }

    /// Names of cloud metadata services (and their well-known addresses outside link-local).
    static let metadataHosts: Set<String> = [
        "metadata.google.internal", "metadata", "metadata.azure.com", "instance-data", "instance-data.ec2.internal",
        "100.100.100.200", "fd00:ec2::254",
    ]

    /// Why a git host is refused: a cloud metadata service or a link-local address (169.254.0.0/16,
    /// fe80::/10), from which a clone could read the server's cloud credentials. nil if fine.
    public static func forbiddenHostReason(_ host: String) -> String? {
        // A zone (`fe80::1%eth0`, `%25` in a URL) does not change the address.
        let bare = String(host.split(separator: "%", maxSplits: 1).first ?? "")
        let name = bare.hasSuffix(".") ? String(bare.dropLast()) : bare
        if metadataHosts.contains(name) { return "\(host) is a cloud metadata service" }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            let address = UInt32(bigEndian: v4.s_addr)
            if address >> 16 == 0xA9FE { return "\(host) is a link-local address (169.254.0.0/16, where cloud metadata services answer)" }
            return nil
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80 { return "\(host) is a link-local address (fe80::/10)" }
            // IPv4-mapped (::ffff:169.254.x.x).
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 169 && bytes[13] == 254 {
                return "\(host) is a link-local address (169.254.0.0/16)"
            }
        }
        return nil
    }
}
