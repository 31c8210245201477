import Foundation

// The JSON shapes of the certificate API (`/v1/certs`), shared by the server, the client and the tests.

/// `POST /v1/certs`: a certificate (PEM chain, leaf first) and its private key (PEM) for a host.
public struct CertificateAddRequest: Codable, Sendable {
    public var host: String
    public var certificate: String
    public var key: String
    public init(host: String, certificate: String, key: String) {
        self.host = host
        self.certificate = certificate
        self.key = key
    }
}

/// One stored certificate as `slipway certs` shows it. The key is never part of it.
public struct CertificateView: Codable, Sendable, Equatable {
    public var host: String
    /// `acme` (issued and renewed by the server) or `manual` (added with `slipway certs add`).
    public var source: String?
    public var issuer: String?
    /// The DNS names the certificate covers.
    public var names: [String]
    public var notBefore: Date?
    public var notAfter: Date?
    /// When the server renews it (ACME certificates); nil for manual ones, which their owner replaces.
    public var renewAt: Date?
    public var addedAt: Date?
    /// Why the stored files cannot be served (a damaged or hand-edited file); nil when they can.
    public var error: String?
    /// The last time the server could not obtain or renew it with ACME, while that is unresolved.
    public var lastFailure: CertificateFailure?

    public init(host: String, source: String?, issuer: String?, names: [String], notBefore: Date?, notAfter: Date?,
                renewAt: Date?, addedAt: Date?, error: String? = nil, lastFailure: CertificateFailure? = nil) {
        self.host = host
        self.source = source
        self.issuer = issuer
        self.names = names
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.renewAt = renewAt
        self.addedAt = addedAt
        self.error = error
        self.lastFailure = lastFailure
    }
}

/// Why ACME failed for a host the last time, how often in a row, and when it is tried again.
public struct CertificateFailure: Codable, Sendable, Equatable {
    public var reason: String
    public var failures: Int
    public var nextRetry: Date?

    public init(reason: String, failures: Int, nextRetry: Date?) {
        self.reason = reason
        self.failures = failures
        self.nextRetry = nextRetry
    }
}

public struct CertificateList: Codable, Sendable {
    public var certificates: [CertificateView]
    public init(certificates: [CertificateView]) { self.certificates = certificates }
}

/// `DELETE /v1/certs/{host}`.
public struct CertificateRemoved: Codable, Sendable, Equatable {
    public var host: String
    public var removed: Bool
    public init(host: String, removed: Bool) {
        self.host = host
        self.removed = removed
    }
}
