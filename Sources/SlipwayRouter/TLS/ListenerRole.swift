import NIOCore

/// What differs between the router's plain and HTTPS listeners, as their connections see it.
struct ListenerRole: Sendable {
    /// What the client used: the backend's `X-Forwarded-Proto` (unless a trusted proxy said).
    var scheme: String
    /// Header lines (each ending in CRLF) added to every response: `Strict-Transport-Security`.
    var responseHeaderLines: ByteBuffer?
    /// On the plain listener with HTTPS on: hosts with a certificate are sent there (308).
    var redirect: HTTPSRedirect?

    struct HTTPSRedirect: Sendable {
        var certificates: ServedCertificates
        /// The port in the Location (omitted when 443).
        var port: Int
    }

    static let plain = ListenerRole(scheme: "http")

    static func https(strictTransportSecurity: String?) -> ListenerRole {
        var lines: ByteBuffer?
        if let value = strictTransportSecurity {
            var buffer = ByteBuffer()
            buffer.writeString("strict-transport-security: \(value)\r\n")
            lines = buffer
        }
        return ListenerRole(scheme: "https", responseHeaderLines: lines)
    }
}
