import Foundation
import SlipwayCore

extension APIRequest {
    /// `GET /v1/certs`.
    public static func certificates() -> APIRequest {
        APIRequest(method: .get, path: "/v1/certs")
    }

    /// `POST /v1/certs` with the PEM texts.
    public static func addCertificate(_ request: CertificateAddRequest) throws -> APIRequest {
        APIRequest(method: .post, path: "/v1/certs", body: .json(try Timestamp.encoder().encode(request)))
    }

    /// `DELETE /v1/certs/{host}`.
    public static func removeCertificate(host: String) -> APIRequest {
        APIRequest(method: .delete, path: "/v1/certs/\(segment(host))")
    }
}

extension SlipwayClient {
    /// Every stored certificate: host, issuer, expiry, source, next renewal.
    public func certificates() async throws -> CertificateList {
        try await json(.certificates(), as: CertificateList.self)
    }

    /// Stores a certificate and key for `host`; the server checks them and serves them at once.
    public func addCertificate(host: String, certificatePEM: String, keyPEM: String) async throws -> CertificateView {
        try await json(try .addCertificate(CertificateAddRequest(host: host, certificate: certificatePEM, key: keyPEM)), as: CertificateView.self)
    }

    public func removeCertificate(host: String) async throws -> CertificateRemoved {
        try await json(.removeCertificate(host: host), as: CertificateRemoved.self)
    }
}
