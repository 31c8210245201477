/// A custom host an app is reached at through the router (`slipway domains add APP HOST`): a fully
/// qualified DNS name, or a wildcard `*.shop.example.com` that covers every name below
/// `shop.example.com` (at any depth; an exact name, or a longer wildcard, wins).
///
/// Checked strictly because it comes from users and ends up in the router's table, in certificate
/// requests and in log lines: lowercase LDH labels only, no IP literals, no `localhost`, and nothing
/// inside the names the router gives apps itself (`APP.DOMAIN`).
public struct DomainName: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// Lowercase, without a trailing dot: `shop.example.com` or `*.shop.example.com`.
    public let value: String

    /// Throws a `SlipwayError` (400 `invalid_domain`) saying what is wrong and what a valid host looks like.
    /// `builtInDomain` is the server's `--domain`: names equal to or below it (and wildcards that
    /// would cover them) belong to the router's own `APP.DOMAIN` names and are refused.
    public init(_ raw: String, builtInDomain: String? = nil) throws {
        let value = try Self.normalized(raw)
        if let builtInDomain {
            let own = builtInDomain.lowercased()
            let base = value.hasPrefix("*.") ? String(value.dropFirst(2)) : value
            if base == own || base.hasSuffix("." + own) || (value.hasPrefix("*.") && own.hasSuffix("." + base)) {
                throw Self.invalid(raw, "collides with the names the router gives apps itself (APP.\(own)); those stay built in, pick a name outside \(own)")
            }
        }
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
    public static func < (lhs: DomainName, rhs: DomainName) -> Bool { lhs.value < rhs.value }

    /// `*.shop.example.com`: routes every name below `shop.example.com`.
    public var isWildcard: Bool { value.hasPrefix("*.") }

    static let maxLength = 253

    /// Lowercased, trailing dot dropped, then checked; throws with the first problem found.
    static func normalized(_ raw: String) throws -> String {
        if raw.isEmpty { throw invalid(raw, "is empty") }
        if raw.unicodeScalars.contains(where: { !$0.isASCII }) {
            throw invalid(raw, "has non-ASCII characters; give an internationalized name in its punycode (xn--) form")
        }
        if raw.contains("://") || raw.contains("/") { throw invalid(raw, "is a URL, not a host name; give the name alone, e.g. shop.example.com") }
        if raw.hasPrefix("[") || raw.filter({ $0 == ":" }).count > 1 { throw invalid(raw, "is an IP address; the router routes by name, give a host name") }
        if let colon = raw.lastIndex(of: ":"), case let port = raw[raw.index(after: colon)...], !port.isEmpty, port.allSatisfy(\.isNumber) {
            throw invalid(raw, "has a port; the router's listeners set the ports, give the name alone")
        }
        var name = raw.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name.utf8.count > maxLength { throw invalid(raw, "is longer than \(maxLength) characters") }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let wildcard = labels.first == "*"
        if wildcard { labels.removeFirst() }
        if labels.contains(where: \.isEmpty) { throw invalid(raw, "has an empty label (two dots in a row, or a leading dot)") }
        for label in labels {
            if let problem = labelProblem(label) { throw invalid(raw, "has a label \(String(label.prefix(63)).debugDescription) that \(problem)") }
        }
        if labels.last.map({ $0.allSatisfy(\.isNumber) }) ?? false {
            throw invalid(raw, "is an IP address (or ends in a numeric label); the router routes by name, give a host name")
        }
        if labels.last == "localhost" { throw invalid(raw, "is a localhost name, which never reaches this machine from elsewhere") }
        if labels.count < 2 {
            throw invalid(raw, wildcard ? "would cover a whole top-level domain; give at least two labels after *." : "has a single label; give a fully qualified name like shop.example.com")
        }
        return name
    }

    private static func labelProblem(_ label: Substring) -> String? {
        if label.utf8.count > 63 { return "is longer than 63 characters" }
        if label == "*" { return "is a wildcard; only the first label may be * (as in *.shop.example.com)" }
        for byte in label.utf8 {
            let ok = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-")
            if !ok { return "has characters other than letters, digits and '-'" }
        }
        if label.hasPrefix("-") || label.hasSuffix("-") { return "starts or ends with '-'" }
        return nil
    }

    private static func invalid(_ raw: String, _ problem: String) -> SlipwayError {
        let shown = raw.count > 80 ? String(raw.prefix(80)) + "..." : raw
        // debugDescription: control characters are shown escaped, never echoed raw into a terminal or log.
        return .invalidDomain("host \(shown.debugDescription) \(problem); a host is a name like shop.example.com, or *.shop.example.com for every name below it")
    }
}
