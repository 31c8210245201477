/// One object to apply: its kind, where it lives, and its full content (`apiVersion` first).
public struct KubernetesObject: Sendable, Equatable {
    public var kind: KubernetesKind
    public var name: String
    /// nil for cluster-scoped kinds (Namespace).
    public var namespace: String?
    public var body: KubernetesValue

    public init(kind: KubernetesKind, name: String, namespace: String?, body: KubernetesValue) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.body = body
    }

    /// The object's API path, e.g. `/apis/apps/v1/namespaces/slipway-shop/deployments/shop-web`
    /// (the target of a server-side apply PATCH).
    public var path: String { kind.path(namespace: namespace, name: name) }

    /// `metadata.labels`.
    public var labels: [String: String] { body["metadata"]?["labels"]?.stringMap ?? [:] }
}

/// The kinds Slipway renders: group, version and the resource's plural name in API paths.
public struct KubernetesKind: Sendable, Hashable, CustomStringConvertible {
    /// "" for the core group (`v1`).
    public var group: String
    public var version: String
    public var kind: String
    /// The resource in API paths: `deployments`, `configmaps`...
    public var plural: String
    public var namespaced: Bool

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool = true) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    /// `v1`, `apps/v1`, `networking.k8s.io/v1`...
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var description: String { kind }

    /// The collection path (`name` nil) or the object path in `namespace`.
    public func path(namespace: String?, name: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { path += "/namespaces/\(namespace)" }
        path += "/\(plural)"
        if let name { path += "/\(name)" }
        return path
    }

    public static let namespace = KubernetesKind(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false)
    public static let configMap = KubernetesKind(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps")
    public static let secret = KubernetesKind(group: "", version: "v1", kind: "Secret", plural: "secrets")
    public static let service = KubernetesKind(group: "", version: "v1", kind: "Service", plural: "services")
    public static let persistentVolumeClaim = KubernetesKind(group: "", version: "v1", kind: "PersistentVolumeClaim",
                                                             plural: "persistentvolumeclaims")
    public static let deployment = KubernetesKind(group: "apps", version: "v1", kind: "Deployment", plural: "deployments")
    public static let job = KubernetesKind(group: "batch", version: "v1", kind: "Job", plural: "jobs")
    public static let ingress = KubernetesKind(group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses")
    public static let networkPolicy = KubernetesKind(group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy",
                                                     plural: "networkpolicies")
    public static let horizontalPodAutoscaler = KubernetesKind(group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler",
                                                               plural: "horizontalpodautoscalers")

    /// Every kind the renderer can produce, in apply order.
    public static let all: [KubernetesKind] = [
        .namespace, .networkPolicy, .secret, .configMap, .persistentVolumeClaim, .job, .deployment, .service,
        .horizontalPodAutoscaler, .ingress,
    ]

    /// The kinds a prune may delete when a new release no longer has them: not the Namespace
    /// (it holds everything) nor PersistentVolumeClaims (their data would go with them).
    public static let prunable: [KubernetesKind] = all.filter { $0 != .namespace && $0 != .persistentVolumeClaim }
}
