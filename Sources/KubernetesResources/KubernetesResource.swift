import Foundation

/// A kind of object the API serves, and where: `/api/v1` for the core group, otherwise
/// `/apis/GROUP/VERSION`; under `namespaces/NS/` when the kind is namespaced; then the plural.
public struct KubernetesResource: Sendable, Hashable, CustomStringConvertible {
    /// API group; "" for the core group.
    public var group: String
    public var version: String
    public var kind: String
    /// The lower-case plural that names the resource in paths, e.g. "deployments".
    public var plural: String
    public var namespaced: Bool

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    /// "v1" for the core group, otherwise "GROUP/VERSION" — the objects' `apiVersion`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// How `kubectl` names the resource: "deployments.apps", "services".
    public var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }

    public var description: String { qualifiedName }

    /// `/api/v1` or `/apis/GROUP/VERSION`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection: `…/namespaces/NS/PLURAL`, or `…/PLURAL` for cluster-scoped kinds and for
    /// a namespaced kind listed across all namespaces (`namespace == nil`).
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace {
            return "\(groupVersionPath)/namespaces/\(Self.escape(namespace))/\(plural)"
        }
        return "\(groupVersionPath)/\(plural)"
    }

    /// One object, optionally a subresource of it (`status`, `log`, `scale`).
    public func objectPath(name: String, namespace: String?, subresource: String? = nil) -> String {
        var path = "\(collectionPath(namespace: namespaced ? namespace : nil))/\(Self.escape(name))"
        if let subresource { path += "/\(subresource)" }
        return path
    }

    /// Names are DNS labels or subdomains, but a caller's typo must not change the path's shape.
    package static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .kubernetesPathSegment) ?? segment
    }
}

extension CharacterSet {
    static let kubernetesPathSegment = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:@")
}

// MARK: - The kinds Slipway uses

extension KubernetesResource {
    public static let namespace = KubernetesResource(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false)
    public static let pod = KubernetesResource(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
    public static let service = KubernetesResource(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true)
    public static let secret = KubernetesResource(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true)
    public static let configMap = KubernetesResource(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true)
    public static let persistentVolumeClaim = KubernetesResource(
        group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", namespaced: true)
    public static let deployment = KubernetesResource(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true)
    public static let replicaSet = KubernetesResource(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true)
    public static let statefulSet = KubernetesResource(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true)
    public static let job = KubernetesResource(group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true)
    public static let cronJob = KubernetesResource(group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", namespaced: true)
    public static let ingress = KubernetesResource(
        group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses", namespaced: true)
    public static let networkPolicy = KubernetesResource(
        group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true)
    public static let horizontalPodAutoscaler = KubernetesResource(
        group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", namespaced: true)

    /// Every kind Slipway renders or reads.
    public static let known: [KubernetesResource] = [
        .namespace, .pod, .service, .secret, .configMap, .persistentVolumeClaim,
        .deployment, .replicaSet, .statefulSet, .job, .cronJob, .ingress, .networkPolicy, .horizontalPodAutoscaler,
    ]
}
