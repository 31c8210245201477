import KubernetesResources

/// One object to apply: its kind, where it lives, and its full content (`apiVersion` first).
public struct KubernetesObject: Sendable, Equatable {
    public var kind: KubernetesResource
    public var name: String
    /// nil for cluster-scoped kinds (Namespace).
    public var namespace: String?
    public var body: KubernetesValue

    public init(kind: KubernetesResource, name: String, namespace: String?, body: KubernetesValue) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.body = body
    }

    /// The object's API path, e.g. `/apis/apps/v1/namespaces/slipway-shop/deployments/shop-web`
    /// (the target of a server-side apply PATCH).
    public var path: String { kind.objectPath(name: name, namespace: namespace) }

    /// `metadata.labels`.
    public var labels: [String: String] { body["metadata"]?["labels"]?.stringMap ?? [:] }
}

extension KubernetesResource {
    /// Every kind the renderer can produce, in apply order.
    public static let rendered: [KubernetesResource] = [
        .namespace, .networkPolicy, .secret, .configMap, .persistentVolumeClaim, .job, .cronJob, .deployment, .service,
        .horizontalPodAutoscaler, .ingress,
    ]

    /// The kinds a prune may delete when a new release no longer has them: not the Namespace
    /// (it holds everything) nor PersistentVolumeClaims (their data would go with them).
    public static let prunable: [KubernetesResource] = rendered.filter { $0 != .namespace && $0 != .persistentVolumeClaim }
}
