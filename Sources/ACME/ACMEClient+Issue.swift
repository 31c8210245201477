import Crypto
import Foundation
import Logging

/// What a solver must put in place for one authorization.
public struct ACMEChallengeTask: Sendable, Hashable {
    /// The host being proved, without the `*.` of a wildcard order.
    public let host: String
    public let isWildcard: Bool
    public let token: String
    /// HTTP-01: the body served at `http://HOST/.well-known/acme-challenge/TOKEN`.
    public let keyAuthorization: String
    /// DNS-01: the TXT value of `_acme-challenge.HOST`.
    public let dnsValue: String

    public var httpPath: String { "/.well-known/acme-challenge/" + token }
    public var dnsRecordName: String { "_acme-challenge." + host }
}

/// Answers challenges of one type: serves the HTTP-01 body or publishes the DNS-01 record.
public protocol ACMEChallengeSolver: Sendable {
    var challengeType: ACMEChallengeType { get }
    /// Puts the answer in place; returns when the server can see it.
    func present(_ task: ACMEChallengeTask) async throws
    /// Takes the answer away again (called after success and failure alike).
    func cleanUp(_ task: ACMEChallengeTask) async
}

/// A certificate and its key, as PEM.
public struct IssuedCertificate: Sendable {
    /// The chain, leaf first.
    public let certificateChainPEM: String
    /// The certificate's own P-256 key (PKCS#8 PEM).
    public let privateKeyPEM: String
    public let orderURL: String
}

extension ACMEClient {
    /// The whole flow of RFC 8555 section 7.1: account, order, each authorization proved
    /// through `solver`, finalize with a CSR for a new key, download.
    public func issueCertificate(for hosts: [String], solver: some ACMEChallengeSolver) async throws -> IssuedCertificate {
        let order = try await newOrder(hosts: hosts)
        for url in order.authorizations {
            try await authorize(url, solver: solver)
        }
        let certificateKey = P256.Signing.PrivateKey()
        let finished = try await finalize(order, csrDER: try CertificateRequest.der(hosts: hosts, privateKey: certificateKey))
        guard finished.status == "valid", let certificateURL = finished.certificate else {
            throw ACMEError(
                kind: .challengeFailed,
                message: "the order for \(hosts.joined(separator: ", ")) ended \(finished.status) instead of valid", problem: finished.error)
        }
        let chain = try await downloadCertificate(at: certificateURL)
        logger.info("certificate issued", metadata: ["acme.hosts": .string(hosts.joined(separator: ","))])
        return IssuedCertificate(certificateChainPEM: chain, privateKeyPEM: certificateKey.pemRepresentation, orderURL: order.url)
    }

    func authorize(_ url: String, solver: some ACMEChallengeSolver) async throws {
        let authorization = try await authorization(at: url)
        let host = authorization.identifier.value
        switch authorization.status {
        case "valid": return  // proved recently; the server reuses it
        case "pending": break
        default:
            throw ACMEError(kind: .challengeFailed, message: "the authorization for \(host) is \(authorization.status)")
        }
        guard let challenge = authorization.challenges.first(where: { $0.type == solver.challengeType.rawValue }),
            let token = challenge.token
        else {
            let offered = authorization.challenges.map(\.type).joined(separator: ", ")
            throw ACMEError(
                kind: .challengeFailed,
                message: "the ACME server offers no \(solver.challengeType.rawValue) challenge for \(host) (only \(offered))"
                    + (authorization.wildcard == true ? "; a wildcard needs DNS-01" : ""))
        }
        let task = ACMEChallengeTask(
            host: host, isWildcard: authorization.wildcard ?? false, token: token,
            keyAuthorization: accountKey.keyAuthorization(token: token), dnsValue: accountKey.dnsValue(token: token))
        try await solver.present(task)
        let finished: ACMEAuthorization
        do {
            try await respond(to: challenge)
            finished = try await waitForAuthorization(at: url)
        } catch {
            await solver.cleanUp(task)
            throw error
        }
        await solver.cleanUp(task)
        guard finished.status == "valid" else {
            let problem = finished.challenges.first(where: { $0.type == challenge.type })?.error
            throw ACMEError(
                kind: .challengeFailed, message: "the \(challenge.type) challenge for \(host) failed (\(finished.status))", problem: problem)
        }
    }
}
