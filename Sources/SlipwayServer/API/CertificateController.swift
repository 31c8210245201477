import CertificateStore
import Foundation
import Hummingbird
import SlipwayCertificates
import SlipwayCore

/// `/v1/certs`: the TLS certificates the router serves by SNI. `POST` checks a certificate and key
/// (PEM parses, the key is the certificate's, it covers the host, it has not expired) and stores
/// them (see `CertificateStore`); nothing is stored when a check fails.
struct CertificateController: Sendable {
    let store: CertificateStore
    /// Called after a change, so the router serves it at once rather than at its next look.
    let changed: @Sendable () async -> Void
    /// The renewer's last failure per host (ACME on), shown with the host's certificate or alone.
    let failures: @Sendable () async -> [String: RenewalBackoff]

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/certs") { _, _ in
            try JSONResponse.make(CertificateList(certificates: Self.merged(store.entries().map(Self.view), failures: await failures())))
        }
        router.post("/v1/certs") { request, _ in
            let body = try await JSONResponse.decode(CertificateAddRequest.self, from: request)
            let record = try Self.mapped { try store.add(host: body.host, certificatePEM: body.certificate, keyPEM: body.key, source: .manual) }
            await changed()
            return try JSONResponse.make(Self.view(record), status: .created)
        }
        router.delete("/v1/certs/:host") { _, context in
            let raw = try context.parameters.require("host")
            let host = try Self.mapped { try CertificateHost(raw.removingPercentEncoding ?? raw) }
            try Self.mapped { try store.remove(host: host) }
            await changed()
            return try JSONResponse.make(CertificateRemoved(host: host.name, removed: true))
        }
    }

    /// The stored certificates, each with its host's unresolved ACME failure, then the hosts that
    /// failed and have no certificate yet.
    static func merged(_ views: [CertificateView], failures: [String: RenewalBackoff]) -> [CertificateView] {
        var failures = failures.compactMapValues { state in
            state.lastError.map { CertificateFailure(reason: $0, failures: state.failures, nextRetry: state.nextAttempt) }
        }
        var merged = views.map { view in
            var view = view
            view.lastFailure = failures.removeValue(forKey: view.host)
            return view
        }
        for (host, failure) in failures.sorted(by: { $0.key < $1.key }) {
            merged.append(CertificateView(host: host, source: nil, issuer: nil, names: [], notBefore: nil, notAfter: nil, renewAt: nil,
                                          addedAt: nil, error: "no certificate yet (ACME failed)", lastFailure: failure))
        }
        return merged
    }

    static func view(_ record: StoredCertificate) -> CertificateView {
        CertificateView(host: record.host.name, source: record.source.rawValue, issuer: record.issuer, names: record.names,
                        notBefore: record.notBefore, notAfter: record.notAfter, renewAt: record.renewAt, addedAt: record.addedAt)
    }

    static func view(_ entry: CertificateEntry) -> CertificateView {
        switch entry.result {
        case .success(let loaded):
            return view(loaded.record)
        case .failure(let error):
            return CertificateView(host: entry.host, source: nil, issuer: nil, names: [], notBefore: nil, notAfter: nil,
                                   renewAt: nil, addedAt: nil, error: "\(error.message); not served until replaced (`slipway certs add`)")
        }
    }

    /// The store's errors as the API's: 400 for bad input, 404 for an unknown host.
    @discardableResult
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CertificateStoreError {
            switch error.kind {
            case .invalidHost: throw SlipwayError(code: "invalid_host", message: error.message, httpStatus: 400)
            case .invalidCertificate: throw SlipwayError(code: "invalid_certificate", message: error.message, httpStatus: 400)
            case .notFound: throw SlipwayError.notFound(error.message)
            case .storage: throw SlipwayError.internal(error.message)
            }
        }
    }
}
