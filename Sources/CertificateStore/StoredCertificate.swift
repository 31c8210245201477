import Foundation
import X509

/// Where a stored certificate came from: issued by the ACME client, or added by a user.
public enum CertificateSource: String, Sendable, Codable, CaseIterable {
    case acme
    case manual
}

/// What the store knows about one host's certificate (not the key).
public struct StoredCertificate: Sendable, Equatable, Codable {
    public var host: CertificateHost
    public var source: CertificateSource
    /// The issuer's common name.
    public var issuer: String
    /// The DNS names the certificate covers.
    public var names: [String]
    public var notBefore: Date
    public var notAfter: Date
    /// When the ACME client renews it: two thirds into its life. nil for manual certificates,
    /// which their owner replaces (`slipway certs add` again).
    public var renewAt: Date?
    public var addedAt: Date

    public init(bundle: CertificateBundle, source: CertificateSource, addedAt: Date) {
        let leaf = bundle.leaf
        self.host = bundle.host
        self.source = source
        self.issuer = CertificateBundle.issuerName(leaf)
        self.names = CertificateBundle.dnsNames(leaf)
        self.notBefore = leaf.notValidBefore
        self.notAfter = leaf.notValidAfter
        self.renewAt = source == .acme ? Self.renewalTime(notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter) : nil
        self.addedAt = addedAt
    }

    /// Two thirds into the validity period, as the issue (and Let's Encrypt's advice) says.
    public static func renewalTime(notBefore: Date, notAfter: Date) -> Date {
        notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * 2 / 3)
    }
}

extension CertificateHost: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.name)
    }
}

/// A host's entry as found on disk: its record, or why it could not be read (a hand-edited file).
public struct CertificateEntry: Sendable {
    public var host: String
    public var result: Result<LoadedCertificate, CertificateStoreError>
}

/// A stored certificate with its PEM files' contents, checked again on reading (so that a
/// damaged file is never served).
public struct LoadedCertificate: Sendable {
    public var record: StoredCertificate
    public var bundle: CertificateBundle
}
