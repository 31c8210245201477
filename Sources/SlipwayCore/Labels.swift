/// Labels Slipway puts on every container (and, later, Kubernetes object), so the state of
/// what runs can be rebuilt from the engine alone after a server restart.
public enum Labels {
    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let managedByValue = "slipway"
    public static let name = "app.kubernetes.io/name"
    public static let instance = "app.kubernetes.io/instance"
    public static let version = "app.kubernetes.io/version"
    public static let component = "app.kubernetes.io/component"
    public static let replica = "io.slipway.replica"
    public static let port = "io.slipway.port"
    public static let trace = "io.slipway.trace"

    /// Labels only Slipway may set. An image's own labels become its containers' labels, so an
    /// image carrying one could pass as a one-off, another server's or another app's container.
    public static func isReserved(_ key: String) -> Bool {
        key.hasPrefix("io.slipway.") || key == managedBy
    }
}
