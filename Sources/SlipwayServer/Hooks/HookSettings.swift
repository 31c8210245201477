import Foundation

/// Settings of webhooks and preview apps.
public struct HookSettings: Sendable {
    /// A delivery's body larger than this is refused (413) before its signature is checked.
    /// GitHub caps its payloads at 25 MB; pushes are far smaller.
    public var maxBodyBytes = 5 * 1_048_576
    /// Deliveries remembered per app (ids and body digests), so a replay is ignored.
    public var rememberedDeliveries = 1000
    /// What time it is for previews' TTL (tests move it forward).
    public var clock: @Sendable () -> Date = { Date() }
    /// How often previews idle past their TTL are looked for.
    public var reapInterval: Duration = .seconds(60)

    public init() {}
}
