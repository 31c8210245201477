/// `securityContext` of a service in slipway.yaml (Kubernetes engine): what a pod may do beyond
/// Slipway's defaults (no privilege escalation, every capability dropped, the runtime's seccomp
/// profile, a non-root user where the image allows).
public struct SecurityContext: Sendable, Codable, Equatable {
    /// nil: true when the user the pod runs as is known to be non-root (`runAsUser`, or the
    /// Dockerfile's last `USER` as a numeric uid), else left to the image.
    public var runAsNonRoot: Bool?
    public var runAsUser: Int?
    public var runAsGroup: Int?
    public var readOnlyRootFilesystem: Bool?
    /// Capabilities added back after dropping ALL (only those Pod Security `baseline` admits).
    public var addCapabilities: [String]?

    public init(runAsNonRoot: Bool? = nil, runAsUser: Int? = nil, runAsGroup: Int? = nil,
                readOnlyRootFilesystem: Bool? = nil, addCapabilities: [String]? = nil) {
        self.runAsNonRoot = runAsNonRoot
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.addCapabilities = addCapabilities
    }

    /// The capabilities Pod Security `baseline` lets a container add (Slipway's namespaces
    /// enforce it, so a pod adding another would be refused by the cluster).
    public static let baselineCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    /// Whether the pod may be declared `runAsNonRoot`: explicitly, or because the uid it runs as
    /// (`runAsUser`, else the image's `USER` when numeric) is not 0. A named `USER` cannot be
    /// checked by the kubelet (it refuses to start such a pod), so it does not count.
    public func resolvedRunAsNonRoot(imageUser: String?) -> Bool? {
        if let runAsNonRoot { return runAsNonRoot }
        if let runAsUser { return runAsUser != 0 ? true : nil }
        guard let imageUser, let uid = Int(imageUser.split(separator: ":").first ?? "") else { return nil }
        return uid != 0 ? true : nil
    }
}

extension Toleration {
    /// A toleration without a key and operator Exists matches every taint (of its effect, or of
    /// all effects): the pod could land on control-plane or quarantined nodes.
    public var toleratesEveryTaint: Bool { key == nil && self.operator == .exists }
}
