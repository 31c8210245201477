import Foundation

/// An error from a registry, or from reaching it, that says what failed and what to do.
///
/// `errors` holds the registry's own `{"errors":[{"code","message","detail"}]}` entries, so
/// callers can branch on a code (`hasCode("MANIFEST_BLOB_UNKNOWN")`) and users see the
/// registry's words unchanged in `description`.
public struct OCIRegistryError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is, independent of the registry's wording.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case unreachable, unauthorized, notFound, refused, invalidAnswer, invalidArgument }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No answer: connection refused, DNS, TLS, timeout.
        public static let unreachable = Kind(.unreachable)
        /// 401/403, or a token endpoint that would not issue a token.
        public static let unauthorized = Kind(.unauthorized)
        /// 404: no such repository, manifest or blob.
        public static let notFound = Kind(.notFound)
        /// Any other non-2xx answer.
        public static let refused = Kind(.refused)
        /// A 2xx answer missing what the spec promises (a Location header, a JSON body).
        public static let invalidAnswer = Kind(.invalidAnswer)
        /// Bad input given to the client (an unreadable file, a malformed digest).
        public static let invalidArgument = Kind(.invalidArgument)

        public var description: String { value.rawValue }
    }

    public let kind: Kind
    /// `host:port` of the registry, empty for `invalidArgument`.
    public let registry: String
    /// What was being done, e.g. "the push of manifest slipway/hello:v1".
    public let operation: String
    public let statusCode: Int?
    public let errors: [RegistryErrorEntry]
    /// Text used when the registry gave no error entries (its raw body, or the underlying error).
    public let message: String
    /// What the user can do about it.
    public let hint: String?

    public var isUnauthorized: Bool { kind == .unauthorized }
    public var isNotFound: Bool { kind == .notFound }
    public var codes: [String] { errors.map(\.code) }
    public func hasCode(_ code: String) -> Bool { errors.contains { $0.code == code } }

    public var description: String {
        var text: String
        switch kind {
        case .invalidArgument:
            return "invalid argument: \(message)"
        case .unreachable:
            text = "cannot reach registry \(registry) for \(operation): \(message)"
        case .invalidAnswer:
            text = "registry \(registry) gave an unexpected answer to \(operation): \(message)"
        default:
            text = "registry \(registry) refused \(operation)"
            if let statusCode { text += " (HTTP \(statusCode))" }
            text += ": " + (errors.isEmpty ? message : errors.map(\.description).joined(separator: "; "))
        }
        if let hint { text += " — \(hint)" }
        return text
    }

    init(
        kind: Kind, registry: String, operation: String, statusCode: Int? = nil,
        errors: [RegistryErrorEntry] = [], message: String = "", hint: String? = nil
    ) {
        self.kind = kind
        self.registry = registry
        self.operation = operation
        self.statusCode = statusCode
        self.errors = errors
        self.message = message
        self.hint = hint
    }

    static func invalidArgument(_ message: String) -> OCIRegistryError {
        OCIRegistryError(kind: .invalidArgument, registry: "", operation: "", message: message)
    }
}

/// One entry of a registry's error body.
public struct RegistryErrorEntry: Sendable, Equatable, CustomStringConvertible {
    /// e.g. `UNAUTHORIZED`, `MANIFEST_BLOB_UNKNOWN`, `NAME_UNKNOWN`.
    public let code: String
    public let message: String
    /// The `detail` member re-encoded as JSON text (it may be any JSON value), or nil.
    public let detail: String?

    public init(code: String, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String {
        var text = code
        if !message.isEmpty { text += " \(message)" }
        if let detail, !detail.isEmpty { text += " (detail: \(detail.prefix(500)))" }
        return text
    }
}
