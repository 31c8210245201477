/// The API's `Status` object (meta/v1), the body of every error answer and of watch
/// `ERROR` events: `{kind: Status, status: Failure, message, reason, code, details}`.
public struct KubernetesStatus: Sendable, Hashable, Codable {
    /// "Success" or "Failure".
    public var status: String?
    public var message: String?
    /// Machine-readable reason: "Forbidden", "NotFound", "AlreadyExists", "Conflict",
    /// "Invalid", "Expired" (a watch's resourceVersion is too old), ...
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public struct Details: Sendable, Hashable, Codable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var causes: [Cause]?

        public init(name: String? = nil, group: String? = nil, kind: String? = nil, causes: [Cause]? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.causes = causes
        }
    }

    public struct Cause: Sendable, Hashable, Codable {
        public var reason: String?
        public var message: String?
        public var field: String?

        public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    public init(status: String? = "Failure", message: String? = nil, reason: String? = nil, code: Int? = nil, details: Details? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }

    /// A Status from a JSON value, when it is one (`kind: Status`).
    public init?(_ value: JSONValue) {
        guard value["kind"]?.stringValue == "Status", let status = try? value.decode(KubernetesStatus.self) else {
            return nil
        }
        self = status
    }
}
