import Foundation

/// A Kubernetes object's content as JSON-like data whose mappings keep their order, so the
/// YAML and JSON written from it are deterministic and read like the API reference
/// (`apiVersion`, `kind`, `metadata`, `spec`).
public indirect enum KubernetesValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case list([KubernetesValue])
    case map([Field])

    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: KubernetesValue
        public init(_ key: String, _ value: KubernetesValue) {
            self.key = key
            self.value = value
        }
    }

    /// A mapping of the pairs whose value is not nil, in the order given.
    public static func fields(_ pairs: KeyValuePairs<String, KubernetesValue?>) -> KubernetesValue {
        .map(pairs.compactMap { pair in pair.value.map { Field(pair.key, $0) } })
    }

    /// A mapping of string values, sorted by key (labels, annotations, selectors, ConfigMap data).
    public static func sorted(_ dictionary: [String: String]) -> KubernetesValue {
        .map(dictionary.keys.sorted().map { Field($0, .string(dictionary[$0] ?? "")) })
    }

    // MARK: Reading (tests and engines look values up by key)

    public subscript(key: String) -> KubernetesValue? {
        guard case .map(let fields) = self else { return nil }
        return fields.first { $0.key == key }?.value
    }

    public subscript(index: Int) -> KubernetesValue? {
        guard case .list(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var int: Int? { if case .int(let value) = self { value } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var list: [KubernetesValue]? { if case .list(let value) = self { value } else { nil } }
    /// The keys of a mapping, in order.
    public var keys: [String] { if case .map(let fields) = self { fields.map(\.key) } else { [] } }
    /// A mapping of strings as a dictionary (labels, annotations); nil for anything else.
    public var stringMap: [String: String]? {
        guard case .map(let fields) = self else { return nil }
        var result: [String: String] = [:]
        for field in fields {
            guard let value = field.value.string else { return nil }
            result[field.key] = value
        }
        return result
    }

    // MARK: JSON

    /// Compact JSON with keys in order (an apply-patch body: JSON is valid YAML).
    public func json() -> String {
        var out = ""
        writeJSON(into: &out)
        return out
    }

    private func writeJSON(into out: inout String) {
        switch self {
        case .string(let value): Self.writeJSONString(value, into: &out)
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .list(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.writeJSON(into: &out)
            }
            out += "]"
        case .map(let fields):
            out += "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { out += "," }
                Self.writeJSONString(field.key, into: &out)
                out += ":"
                field.value.writeJSON(into: &out)
            }
            out += "}"
        }
    }

    private static func writeJSONString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension KubernetesValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: KubernetesValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, KubernetesValue)...) { self = .map(elements.map { Field($0.0, $0.1) }) }
}
