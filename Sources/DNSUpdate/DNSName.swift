/// A domain name as DNS carries it (RFC 1035 section 3.1): labels of 1 to 63 bytes, at most 255
/// bytes on the wire. Kept in lowercase: names compare without case, and TSIG signs the
/// canonical (lowercase) form of its names (RFC 8945 section 4.3.3).
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    public let labels: [String]

    /// - Throws: `DNSUpdateError.invalidArgument` for an empty label, a label over 63 bytes, a
    ///   name over 255 bytes, or characters outside printable ASCII.
    public init(_ text: String) throws {
        var name = text
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else {
            self.labels = []
            return
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false).map { String($0).lowercased() }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else {
                throw DNSUpdateError.invalidArgument("\"\(text)\" is not a DNS name: each label between dots has 1 to 63 characters")
            }
            guard label.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw DNSUpdateError.invalidArgument("\"\(text)\" is not a DNS name: only printable ASCII without spaces (IDNA A-labels for others)")
            }
        }
        self.labels = labels
        guard wireLength <= 255 else {
            throw DNSUpdateError.invalidArgument("\"\(text)\" is not a DNS name: longer than 255 bytes on the wire")
        }
    }

    init(validLabels: [String]) {
        self.labels = validLabels.map { $0.lowercased() }
    }

    public static let root = DNSName(validLabels: [])

    /// Fully qualified, with the trailing dot: `_acme-challenge.example.com.`
    public var description: String { labels.isEmpty ? "." : labels.joined(separator: ".") + "." }

    var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.utf8.count } }

    /// Whether this name is `zone` or below it.
    public func isWithin(_ zone: DNSName) -> Bool {
        labels.count >= zone.labels.count && Array(labels.suffix(zone.labels.count)) == zone.labels
    }

    /// The name one label up (`example.com.` for `www.example.com.`); nil for the root.
    public var parent: DNSName? { labels.isEmpty ? nil : DNSName(validLabels: Array(labels.dropFirst())) }

    /// Uncompressed wire form, which is also the canonical form (labels are kept lowercase).
    func write(to bytes: inout [UInt8]) {
        for label in labels {
            bytes.append(UInt8(label.utf8.count))
            bytes.append(contentsOf: label.utf8)
        }
        bytes.append(0)
    }

    var wire: [UInt8] {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return bytes
    }
}
