import SlipwayCore

/// What a rendering needs besides the release: where the cluster serves apps and how.
public struct KubernetesRenderOptions: Sendable, Equatable {
    /// How the Ingress gets its certificate.
    public enum TLS: Sendable, Equatable {
        /// Plain HTTP.
        case none
        /// An existing `kubernetes.io/tls` Secret in the app's namespace (a wildcard certificate, say).
        case secret(String)
        /// cert-manager issues one: the `cert-manager.io/cluster-issuer` annotation, stored in `APP-tls`.
        case clusterIssuer(String)
    }

    /// Apps are served at `APP.DOMAIN` (other routed services at `SERVICE.APP.DOMAIN`).
    /// nil: no Ingress is rendered (Services only).
    public var domain: String?
    /// `spec.ingressClassName`; nil: the cluster's default IngressClass.
    public var ingressClass: String?
    public var tls: TLS
    /// The app's namespace; nil: `slipway-APP`.
    public var namespace: String?
    /// Where the ingress controller runs: the NetworkPolicy admits traffic from it.
    public var ingressControllerNamespace: String
    /// Image reference per service (e.g. `registry.example.com/shop/web@sha256:...`); a service
    /// without one uses its release's `image`.
    public var images: [String: String]
    /// A finished release-phase Job is deleted after this long.
    public var releaseJobTTLSeconds: Int
    /// PersistentVolumeClaim size for volumes without `size`.
    public var defaultVolumeSize: String
    /// `spec.storageClassName` of claims; nil: the cluster's default StorageClass.
    public var storageClass: String?

    /// Keys (HMAC-SHA256) the hashes that cover secret config values: the Secret's name suffix
    /// and the pod template's `checksum/config`. Anyone who may read a Deployment sees them, and a
    /// plain hash of a short secret can be guessed offline. The server derives it from its master
    /// key; `slipway k8s render` has no secrets and needs none.
    public var secretHashKey: [UInt8]?

    /// Whether a service may tolerate every taint (a toleration without a key, operator Exists),
    /// which lets its pods onto control-plane and quarantined nodes. Off: such a release is refused.
    public var allowTolerateAllTaints = false
    /// Add-ons rendered beside the release (a StatefulSet with its claim, a headless Service and
    /// the credentials Secret each). Their URLs reach the app through the release's config.
    public var addons: [AddonSpec] = []

    public init(domain: String? = nil, ingressClass: String? = nil, tls: TLS = .none, namespace: String? = nil,
                ingressControllerNamespace: String = "ingress-nginx", images: [String: String] = [:],
                releaseJobTTLSeconds: Int = 86_400, defaultVolumeSize: String = "1Gi", storageClass: String? = nil,
                secretHashKey: [UInt8]? = nil) {
        self.domain = domain
        self.ingressClass = ingressClass
        self.tls = tls
        self.namespace = namespace
        self.ingressControllerNamespace = ingressControllerNamespace
        self.images = images
        self.releaseJobTTLSeconds = releaseJobTTLSeconds
        self.defaultVolumeSize = defaultVolumeSize
        self.storageClass = storageClass
        self.secretHashKey = secretHashKey
    }
}
