/// A DNS-1123 label: what app and service names must be, because they become host names
/// (`APP.localhost`), container names and Kubernetes object names.
public struct DNSLabel: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let value: String

    /// Throws a `SlipwayError` that says what is wrong with `value` and what a valid name looks like.
    public init(_ value: String, kind: String = "app name") throws {
        if let problem = DNSLabel.problem(with: value) {
            throw SlipwayError.invalidName("\(kind) \"\(value)\" \(problem); use 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit (e.g. \"my-app\")")
        }
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
    public static func < (lhs: DNSLabel, rhs: DNSLabel) -> Bool { lhs.value < rhs.value }

    /// Returns why `value` is not a DNS-1123 label, or nil if it is one.
    public static func problem(with value: String) -> String? {
        if value.isEmpty { return "is empty" }
        if value.utf8.count > 63 { return "is longer than 63 characters" }
        for byte in value.utf8 {
            let ok = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-")
            if !ok {
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { return "has uppercase letters" }
                return "has characters other than lowercase letters, digits and '-'"
            }
        }
        if value.hasPrefix("-") || value.hasSuffix("-") { return "starts or ends with '-'" }
        return nil
    }

    /// Turns an arbitrary string (a repository name, say) into a valid label, or nil if nothing is left.
    public static func sanitized(_ raw: String) -> DNSLabel? {
        var out = ""
        for ch in raw.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) { out.append(ch) }
            else if !out.isEmpty && !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        if out.count > 63 { out = String(out.prefix(63)); while out.hasSuffix("-") { out.removeLast() } }
        return try? DNSLabel(out)
    }
}

public typealias AppName = DNSLabel
