/// A host name a certificate is stored and served for: `shop.example.com`, or a wildcard
/// `*.shop.example.com` covering every name one label below it. Validated so that it is also a
/// safe directory name under the store (`certs/HOST/`): lowercase letters, digits, `-` and `.`.
public struct CertificateHost: Sendable, Hashable, CustomStringConvertible, Comparable {
    public let name: String

    /// Lowercases and drops one trailing dot; throws a `CertificateStoreError.invalidHost` that says
    /// what is wrong with the name.
    public init(_ raw: String) throws {
        var name = raw.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if let problem = Self.problem(with: name) {
            throw CertificateStoreError.invalidHost("\"\(raw.prefix(300))\" is not a host name a certificate can be stored for: \(problem)")
        }
        self.name = name
    }

    public var description: String { name }
    public var isWildcard: Bool { name.hasPrefix("*.") }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.name < rhs.name }

    /// Whether a certificate name (a subjectAltName dNSName, possibly `*.example.com`) covers this host.
    /// A wildcard host is covered only by the same wildcard name.
    public func isCovered(by certificateName: String) -> Bool {
        Self.matches(pattern: certificateName.lowercased(), host: self.name)
    }

    /// RFC 6125 matching, the only form browsers accept: `*` as the whole left-most label, standing
    /// for exactly one label. A wildcard host (`*.a.b`) matches only the identical pattern.
    public static func matches(pattern: String, host: String) -> Bool {
        if pattern == host { return true }
        guard pattern.hasPrefix("*."), !host.hasPrefix("*."), let dot = host.firstIndex(of: ".") else { return false }
        return host[dot...] == pattern.dropFirst()
    }

    private static func problem(with name: String) -> String? {
        guard !name.isEmpty else { return "it is empty" }
        guard name.utf8.count <= 253 else { return "it is longer than 253 characters" }
        if name.contains(":") || name.allSatisfy({ $0.isNumber || $0 == "." }) {
            return "IP addresses cannot have certificates here; give a DNS name"
        }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "give a fully qualified name such as shop.example.com" }
        if labels[0] == "*" {
            labels.removeFirst()
            guard labels.count >= 2 else { return "a wildcard needs at least two labels after *. (e.g. *.example.com)" }
        }
        for label in labels {
            guard !label.isEmpty else { return "it has an empty label (two dots in a row, or a leading dot)" }
            guard label.utf8.count <= 63 else { return "the label \(label.prefix(20))... is longer than 63 characters" }
            guard label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
                return "the label \"\(label)\" may only hold letters, digits and '-' (a '*' only as the whole first label)"
            }
            guard label.first != "-", label.last != "-" else { return "the label \"\(label)\" starts or ends with '-'" }
        }
        if labels.last?.allSatisfy(\.isNumber) == true { return "the last label is all digits (an IP address?)" }
        return nil
    }
}
