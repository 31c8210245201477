import Crypto
import Foundation

/// The account's ES256 (P-256) key: signs every request (RFC 8555 section 6.2) and makes the
/// key authorizations of challenges (section 8.1).
public struct ACMEAccountKey: Sendable {
    public let privateKey: P256.Signing.PrivateKey

    /// A new random key.
    public init() {
        self.privateKey = P256.Signing.PrivateKey()
    }

    public init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// A key saved earlier with `pemRepresentation` (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY").
    public init(pemRepresentation: String) throws {
        do {
            self.privateKey = try P256.Signing.PrivateKey(pemRepresentation: pemRepresentation)
        } catch {
            throw ACMEError.invalidArgument("the ACME account key is not a P-256 private key in PEM: \(error)")
        }
    }

    public var pemRepresentation: String { privateKey.pemRepresentation }

    public var jwk: JSONWebKey { JSONWebKey(p256: privateKey.publicKey) }

    /// RFC 8555 section 8.1: token "." base64url(JWK thumbprint). The body an HTTP-01 challenge serves.
    public func keyAuthorization(token: String) -> String {
        token + "." + jwk.thumbprint
    }

    /// RFC 8555 section 8.4: the TXT value of `_acme-challenge.DOMAIN` for a DNS-01 challenge,
    /// base64url(SHA-256(key authorization)).
    public func dnsValue(token: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(keyAuthorization(token: token).utf8)))
    }
}
