import _CryptoExtras
import Crypto
import Foundation
import SwiftASN1
import X509

/// A private certificate authority and leaf certificates it signs, made in process with
/// swift-certificates: what the certificate store and the router's TLS tests use. The files are
/// the PEM a user would have from openssl (a CA certificate, PKCS#8 keys) and live in a temporary
/// folder, removed by `remove()`.
public final class TestPKI: Sendable {
    public let directory: URL
    /// The CA's certificate: clients trust this (curl --cacert, AsyncHTTPClient's trust roots).
    public let caCertificate: URL
    private let caKey: P256.Signing.PrivateKey
    private let caName: DistinguishedName

    public init(name: String = "Slipway Test CA") throws {
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        self.caCertificate = self.directory.appendingPathComponent("ca.pem")
        self.caKey = P256.Signing.PrivateKey()
        self.caName = try DistinguishedName { CommonName(name) }
        let now = Date()
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(30 * 86400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))
        try Data(try ca.serializeAsPEM().pemString.utf8).write(to: self.caCertificate)
    }

    /// A leaf certificate file and its key file.
    public struct Leaf: Sendable {
        public var certificate: URL
        public var key: URL
        public var certificatePEM: String { (try? String(contentsOf: certificate, encoding: .utf8)) ?? "" }
        public var keyPEM: String { (try? String(contentsOf: key, encoding: .utf8)) ?? "" }
    }

    /// A leaf for `names` (subjectAltName DNS entries; `*.x.y` allowed) signed by the CA.
    /// `days: -1` makes one that has already expired. `rsa` makes an RSA key instead of P-256.
    public func leaf(_ names: [String], days: Int = 10, rsa: Bool = false) throws -> Leaf {
        let id = UUID().uuidString.prefix(8)
        let keyFile = self.directory.appendingPathComponent("leaf-\(id).key")
        let certificateFile = self.directory.appendingPathComponent("leaf-\(id).pem")
        let publicKey: Certificate.PublicKey
        let keyPEM: String
        if rsa {
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            (publicKey, keyPEM) = (.init(key.publicKey), key.pkcs8PEMRepresentation)
        } else {
            let key = P256.Signing.PrivateKey()
            (publicKey, keyPEM) = (.init(key.publicKey), key.pemRepresentation)
        }
        // As openssl's -days: valid from now (whole seconds, as a certificate says it); a negative
        // count ends before now.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let end = now.addingTimeInterval(Double(days) * 86400)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: min(now, end.addingTimeInterval(-86400)), notValidAfter: end,
            issuer: caName, subject: try DistinguishedName { CommonName(names.first ?? "none") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames(names.map { .dnsName($0) })
                BasicConstraints.notCertificateAuthority
                try ExtendedKeyUsage([.serverAuth])
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: .init(caKey.publicKey)).keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))
        try Data(keyPEM.utf8).write(to: keyFile)
        try Data(try certificate.serializeAsPEM().pemString.utf8).write(to: certificateFile)
        return Leaf(certificate: certificateFile, key: keyFile)
    }

    /// A file in the PKI's folder with `text` in it (for hostile-input tests).
    public func file(_ name: String, _ text: String) throws -> URL {
        let url = self.directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    public func remove() {
        try? FileManager.default.removeItem(at: self.directory)
    }
}
