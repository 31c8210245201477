import Crypto
import Foundation
import SwiftASN1
import X509

/// A self-signed certificate and its key, as a user would add with `slipway certs add`.
func selfSigned(_ host: String) throws -> (certificate: String, key: String) {
    let key = P256.Signing.PrivateKey()
    let name = try DistinguishedName { CommonName(host) }
    let certificate = try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
        notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(90 * 86400),
        issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName(host)]) },
        issuerPrivateKey: .init(key))
    return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
}
