/// Why the store refused or failed: each message says what was wrong and what to do.
public struct CertificateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The host name is not one a certificate can be stored for.
        case invalidHost = "invalid_host"
        /// The certificate or key is unusable (does not parse, does not match, expired, wrong host).
        case invalidCertificate = "invalid_certificate"
        /// No certificate is stored for the host.
        case notFound = "not_found"
        /// Reading or writing the store's files failed.
        case storage = "storage_error"
    }

    public let kind: Kind
    public let message: String

    public var description: String { message }

    static func invalidHost(_ message: String) -> Self { .init(kind: .invalidHost, message: message) }
    static func invalidCertificate(_ message: String) -> Self { .init(kind: .invalidCertificate, message: message) }
    static func notFound(_ message: String) -> Self { .init(kind: .notFound, message: message) }
    static func storage(_ message: String) -> Self { .init(kind: .storage, message: message) }
}
