import Crypto
import SwiftASN1
import X509

/// The CSR an order is finalized with (RFC 8555 section 7.4; RFC 2986): every host as a DNS
/// subject alternative name, signed with the certificate's own key (never the account key).
public enum CertificateRequest {
    public static func der(hosts: [String], privateKey: P256.Signing.PrivateKey) throws -> [UInt8] {
        guard let first = hosts.first else { throw ACMEError.invalidArgument("a certificate request needs at least one host name") }
        // The common name is limited to 64 characters (RFC 5280 ub-common-name); CAs read the
        // SANs anyway, so a longer first name is left out of the subject.
        let subject = first.utf8.count <= 64 ? try DistinguishedName { CommonName(first) } : DistinguishedName()
        let extensions = try Certificate.Extensions {
            SubjectAlternativeNames(hosts.map { GeneralName.dnsName($0) })
        }
        let attributes = CertificateSigningRequest.Attributes(
            [try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions))])
        let request = try CertificateSigningRequest(
            version: .v1, subject: subject, privateKey: Certificate.PrivateKey(privateKey),
            attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
