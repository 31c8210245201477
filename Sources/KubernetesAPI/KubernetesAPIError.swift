import KubernetesResources

/// What was asked of the API when something failed: a verb on a resource, e.g.
/// `patch on deployments.apps "web" in namespace slipway-shop`.
public struct KubernetesOperation: Sendable, Hashable, CustomStringConvertible {
    /// The Kubernetes verb: get, list, watch, create, patch, delete.
    public var verb: String
    public var resource: KubernetesResource
    public var name: String?
    public var namespace: String?
    /// e.g. "status" or "log".
    public var subresource: String?

    public init(verb: String, resource: KubernetesResource, name: String? = nil, namespace: String? = nil, subresource: String? = nil) {
        self.verb = verb
        self.resource = resource
        self.name = name
        self.namespace = resource.namespaced ? namespace : nil
        self.subresource = subresource
    }

    public var description: String {
        var text = "\(verb) on \(resource.qualifiedName)"
        if let subresource { text += "/\(subresource)" }
        if let name { text += " \"\(name)\"" }
        if let namespace { text += " in namespace \(namespace)" }
        return text
    }
}

/// An error from the Kubernetes API, or from reaching it.
///
/// `kind` says what went wrong (`.forbidden`, `.invalid`, `.unreachable`, ...); `statusCode`
/// and `status` carry the API's answer when there was one. The description names the verb
/// and the resource, the API's own message, and what to do.
public struct KubernetesAPIError: Error, CustomStringConvertible, Sendable {
    /// The category of failure; compare with `==`, e.g. `error.kind == .notFound`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String {
            case unauthorized, forbidden, notFound, conflict, invalid, gone, otherStatus
            case unreachable, tls, timeout, badResponse, unknownKind
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// 401: the credentials were not accepted.
        public static let unauthorized = Kind(.unauthorized)
        /// 403: RBAC (or admission) denies the verb on the resource.
        public static let forbidden = Kind(.forbidden)
        /// 404.
        public static let notFound = Kind(.notFound)
        /// 409: already exists, or a field-manager or resourceVersion conflict.
        public static let conflict = Kind(.conflict)
        /// 422: the object failed validation or admission.
        public static let invalid = Kind(.invalid)
        /// 410: a watch or list resourceVersion is too old; list again.
        public static let gone = Kind(.gone)
        /// Any other non-2xx answer.
        public static let otherStatus = Kind(.otherStatus)
        /// No connection to the API server (refused, DNS, connect timeout).
        public static let unreachable = Kind(.unreachable)
        /// The TLS handshake failed (untrusted server certificate, client certificate refused).
        public static let tls = Kind(.tls)
        /// No answer before the deadline.
        public static let timeout = Kind(.timeout)
        /// The answer was not what the API reference describes.
        public static let badResponse = Kind(.badResponse)
        /// An object whose kind this library has no path for.
        public static let unknownKind = Kind(.unknownKind)

        public var description: String { value.rawValue }
    }

    public var kind: Kind
    /// The HTTP status, when the API answered.
    public var statusCode: Int?
    /// The API's Status body, when it sent one.
    public var status: KubernetesStatus?
    public var operation: KubernetesOperation?
    /// The full, readable explanation.
    public var description: String

    public init(kind: Kind, statusCode: Int? = nil, status: KubernetesStatus? = nil, operation: KubernetesOperation? = nil, description: String) {
        self.kind = kind
        self.statusCode = statusCode
        self.status = status
        self.operation = operation
        self.description = description
    }

    /// The API's message, or the description when there is none.
    public var message: String { status?.message ?? description }
}

// MARK: - Construction

extension KubernetesAPIError {
    static func unknownKind(kind: String, apiVersion: String) -> KubernetesAPIError {
        KubernetesAPIError(
            kind: .unknownKind,
            description: "no API path is known for kind \"\(kind)\" of apiVersion \"\(apiVersion)\"; "
                + "known kinds: \(KubernetesResource.known.map { "\($0.kind) (\($0.apiVersion))" }.joined(separator: ", "))"
        )
    }

    static func badResponse(_ operation: KubernetesOperation?, _ detail: String) -> KubernetesAPIError {
        let what = operation.map { "the answer to \($0)" } ?? "an answer of the Kubernetes API"
        return KubernetesAPIError(kind: .badResponse, operation: operation, description: "\(what) was not understood: \(detail)")
    }

    static func unreachable(server: String, operation: KubernetesOperation?, underlying: any Error) -> KubernetesAPIError {
        KubernetesAPIError(
            kind: .unreachable, operation: operation,
            description: "cannot reach the Kubernetes API at \(server)\(operation.map { " (\($0))" } ?? ""): \(underlying); "
                + "check the cluster's server address in the kubeconfig and that the cluster is running and reachable from here"
        )
    }

    static func tls(server: String, operation: KubernetesOperation?, underlying: any Error) -> KubernetesAPIError {
        KubernetesAPIError(
            kind: .tls, operation: operation,
            description: "the TLS handshake with the Kubernetes API at \(server) failed\(operation.map { " (\($0))" } ?? ""): \(underlying); "
                + "check the cluster's certificate-authority(-data) and tls-server-name, and the user's client certificate and key, in the kubeconfig"
        )
    }

    static func timeout(server: String, operation: KubernetesOperation?) -> KubernetesAPIError {
        KubernetesAPIError(
            kind: .timeout, operation: operation,
            description: "the Kubernetes API at \(server) did not answer \(operation.map { "\($0) " } ?? "")in time; is the cluster overloaded or the network slow?"
        )
    }

    /// An error answer: `statusCode` with (usually) a Status body.
    static func fromResponse(
        statusCode: Int, status: KubernetesStatus?, body: String, operation: KubernetesOperation, userName: String
    ) -> KubernetesAPIError {
        let apiMessage = status?.message ?? (body.isEmpty ? "HTTP \(statusCode)" : body)
        let kind: Kind
        let text: String
        switch statusCode {
        case 401:
            kind = .unauthorized
            text = "the cluster did not accept the credentials of user \"\(userName)\" in the kubeconfig (\(operation)): \(apiMessage); "
                + "renew the user's token (e.g. a service-account token from `kubectl create token`) or client certificate"
        case 403:
            kind = .forbidden
            text = "the cluster forbids \(operation): \(apiMessage); grant user \"\(userName)\" the \(operation.verb) verb on "
                + "\(operation.resource.qualifiedName)\(operation.namespace.map { " in namespace \($0)" } ?? "") (RBAC Role and RoleBinding)"
        case 404:
            kind = .notFound
            text = "\(operation) failed: not found: \(apiMessage)"
        case 409:
            kind = .conflict
            text = "\(operation) failed with a conflict: \(apiMessage)"
        case 410:
            kind = .gone
            text = "\(operation) failed: \(apiMessage); the resourceVersion is too old, list again"
        case 422:
            kind = .invalid
            var lines = ["the cluster rejected \(operation) as invalid: \(apiMessage)"]
            for cause in status?.details?.causes ?? [] {
                lines.append("  \(cause.field ?? "(object)"): \(cause.message ?? cause.reason ?? "invalid")")
            }
            text = lines.joined(separator: "\n")
        default:
            kind = .otherStatus
            text = "\(operation) failed with HTTP \(statusCode): \(apiMessage)"
        }
        return KubernetesAPIError(kind: kind, statusCode: statusCode, status: status, operation: operation, description: text)
    }
}
