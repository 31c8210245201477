import Foundation

/// A parsed `WWW-Authenticate` header from a registry's 401.
///
/// Registries answer either `Basic realm="..."` (htpasswd) or
/// `Bearer realm="https://auth/token",service="registry",scope="repository:x:pull,push"`,
/// where the realm is a token endpoint. Quoted values may contain commas (the scope does),
/// so this is a small tokenizer rather than a split on ",".
struct AuthChallenge: Equatable, Sendable {
    enum Scheme: Equatable, Sendable {
        case basic
        case bearer
        case other(String)
    }

    var scheme: Scheme
    /// Parameter names lowercased.
    var parameters: [String: String]

    var realm: String? { parameters["realm"] }
    var service: String? { parameters["service"] }
    var scope: String? { parameters["scope"] }

    /// nil when the header is empty. Only the first challenge is read: registries send one.
    init?(header: String) {
        var rest = Substring(header).drop { $0 == " " }
        let schemeName = rest.prefix { $0 != " " }
        guard !schemeName.isEmpty else { return nil }
        rest = rest.dropFirst(schemeName.count)
        switch schemeName.lowercased() {
        case "basic": scheme = .basic
        case "bearer": scheme = .bearer
        default: scheme = .other(String(schemeName))
        }
        parameters = Self.parameters(rest)
    }

    private static func parameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = text
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            let name = rest.prefix { $0 != "=" && $0 != "," }
            guard !name.isEmpty, rest.dropFirst(name.count).first == "=" else { break }
            rest = rest.dropFirst(name.count + 1)
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
            } else {
                value = String(rest.prefix { $0 != "," })
                rest = rest.dropFirst(value.count)
            }
            result[name.trimmingCharacters(in: .whitespaces).lowercased()] = value
        }
        return result
    }
}
