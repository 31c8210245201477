/// A service's settings that go from slipway.yaml (and the Dockerfile) into every release as they
/// are: declared once here and held by both `ServiceSpec` and `ReleasedService`, which read them as
/// their own properties (`service.tolerations`) through `@dynamicMemberLookup`. A new setting of
/// this kind is a field here, its parsing (`ManifestParser`) and its use, nothing else.
public struct ServiceSettings: Sendable, Equatable, Codable {
    /// Requested size per volume name (a Kubernetes quantity, e.g. 5Gi); Kubernetes engine only.
    public var volumeSizes: [String: String]?
    /// What one replica asks for: requests on Kubernetes, limits on the local engine.
    public var resources: ResourceRequests?
    /// Kubernetes engine only (the local engine ignores these): autoscaling and placement.
    public var autoscale: Autoscale?
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    /// Kubernetes engine only: the pod's `securityContext` settings beyond the defaults.
    public var securityContext: SecurityContext?
    /// The Dockerfile's last `USER` (of its final stage), read by the `config` stage; nil when it
    /// sets none (the base image's user applies, unknown here). Decides whether a pod can be
    /// declared `runAsNonRoot`.
    public var dockerfileUser: String?

    public init() {}
}
