import Foundation
import SwiftASN1
import X509

/// A certificate chain and its private key, parsed and checked: the leaf comes first, the key is
/// the leaf's, and the leaf covers the host and is valid now. Only a bundle that passed these
/// checks is ever written to the store, and the router loads only bundles that pass them again.
public struct CertificateBundle: Sendable {
    public let host: CertificateHost
    /// The leaf (first) and any intermediates, as given.
    public let chain: [Certificate]
    public let certificatePEM: String
    public let keyPEM: String

    public var leaf: Certificate { chain[0] }

    /// `now`: the time the leaf must be valid at; nil skips that check (a stored certificate
    /// read back keeps serving after it expires, until it is replaced).
    public init(host: CertificateHost, certificatePEM: String, keyPEM: String, now: Date?) throws {
        let chain = try Self.parseChain(certificatePEM)
        let key = try Self.parseKey(keyPEM)
        let leaf = chain[0]
        guard key.publicKey == leaf.publicKey else {
            throw CertificateStoreError.invalidCertificate(
                "the private key does not belong to the certificate (\(Self.subjectSummary(leaf))): give the key the certificate was issued for")
        }
        let names = Self.dnsNames(leaf)
        guard names.contains(where: { host.isCovered(by: $0) }) else {
            let listed = names.isEmpty ? "it names no DNS host (no subjectAltName)" : "it covers \(names.joined(separator: ", "))"
            throw CertificateStoreError.invalidCertificate("the certificate does not cover \(host): \(listed)")
        }
        if let now {
            try Self.checkValidity(leaf, host: host, at: now)
        }
        self.host = host
        self.chain = chain
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    private static func checkValidity(_ leaf: Certificate, host: CertificateHost, at now: Date) throws {
        guard leaf.notValidAfter > now else {
            throw CertificateStoreError.invalidCertificate(
                "the certificate for \(host) expired on \(Self.format(leaf.notValidAfter)): get a new one")
        }
        guard leaf.notValidBefore <= now else {
            throw CertificateStoreError.invalidCertificate(
                "the certificate for \(host) is not valid before \(Self.format(leaf.notValidBefore)): check the machine's clock or add it then")
        }
    }

    /// The DNS names in the leaf's subjectAltName extension.
    public static func dnsNames(_ certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .dnsName(let dns) = name { return dns.lowercased() }
            return nil
        }
    }

    /// The issuer's common name (or the whole name when it has none): what `slipway certs` shows.
    public static func issuerName(_ certificate: Certificate) -> String {
        for rdn in certificate.issuer {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return String(describing: certificate.issuer)
    }

    private static func parseChain(_ pem: String) throws -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw CertificateStoreError.invalidCertificate(
                "the certificate file is not PEM (-----BEGIN CERTIFICATE----- blocks): convert it with `openssl x509 -outform PEM`")
        }
        guard !documents.isEmpty else {
            throw CertificateStoreError.invalidCertificate(
                "the certificate file is not PEM: it holds no -----BEGIN CERTIFICATE----- block (convert DER with `openssl x509 -outform PEM`)")
        }
        return try documents.enumerated().map { index, document in
            guard document.discriminator == "CERTIFICATE" else {
                throw CertificateStoreError.invalidCertificate(
                    "block \(index + 1) of the certificate file is a \(document.discriminator), not a CERTIFICATE: give the key with --key")
            }
            do {
                return try Certificate(derEncoded: document.derBytes)
            } catch {
                throw CertificateStoreError.invalidCertificate("certificate \(index + 1) of the file does not parse as X.509: \(error)")
            }
        }
    }

    private static func parseKey(_ pem: String) throws -> Certificate.PrivateKey {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw CertificateStoreError.invalidCertificate(
                "the key file is not one PEM private key (-----BEGIN PRIVATE KEY-----): convert it with `openssl pkey`")
        }
        if document.discriminator == "ENCRYPTED PRIVATE KEY" {
            throw CertificateStoreError.invalidCertificate(
                "the private key is encrypted: the router must read it unattended; decrypt it with `openssl pkey -in KEY -out PLAIN`")
        }
        guard ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"].contains(document.discriminator) else {
            throw CertificateStoreError.invalidCertificate(
                "the key file holds a \(document.discriminator), not a private key: give the certificate with --cert and the key with --key")
        }
        do {
            return try Certificate.PrivateKey(pemDocument: document)
        } catch {
            throw CertificateStoreError.invalidCertificate(
                "the private key does not parse (supported: RSA, ECDSA P-256/P-384/P-521, Ed25519): \(error)")
        }
    }

    private static func subjectSummary(_ certificate: Certificate) -> String {
        let names = dnsNames(certificate)
        return names.isEmpty ? String(describing: certificate.subject) : names.joined(separator: ", ")
    }

    static func format(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
