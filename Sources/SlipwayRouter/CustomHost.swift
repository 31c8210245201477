/// A host name routed to an app besides its built-in `APP.DOMAIN` (`slipway domains add`):
/// an exact name, or `*.shop.example.com` for every name below `shop.example.com`.
public struct CustomHost: Hashable, Sendable, Codable {
    /// Lowercase, no trailing dot, validated by the caller (SlipwayCore's `DomainName`).
    public var host: String
    /// nil: the app's default service.
    public var service: String?

    public init(host: String, service: String? = nil) {
        self.host = host
        self.service = service
    }
}
