import Crypto
import Foundation
import Testing

@testable import ACME

@Suite struct JOSETests {
    /// RFC 7638 section 3.1: the example RSA key and its thumbprint.
    @Test func thumbprintMatchesRFC7638Example() {
        let key = JSONWebKey(requiredMembers: [
            "kty": "RSA", "e": "AQAB",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        ])
        #expect(key.canonicalJSON.hasPrefix("{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7"))
        #expect(key.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test func p256KeyAsJWK() throws {
        let key = ACMEAccountKey()
        let point = Array(key.privateKey.publicKey.x963Representation)
        let jwk = key.jwk
        #expect(jwk.members["kty"] == "EC")
        #expect(jwk.members["crv"] == "P-256")
        #expect(Base64URL.decode(try #require(jwk.members["x"])) == Data(point[1..<33]))
        #expect(Base64URL.decode(try #require(jwk.members["y"])) == Data(point[33..<65]))
        // RFC 7638 section 3.2: exactly crv, kty, x, y in that order.
        let expected = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"\(jwk.members["x"]!)\",\"y\":\"\(jwk.members["y"]!)\"}"
        #expect(jwk.canonicalJSON == expected)
        #expect(jwk.thumbprint == Base64URL.encode(SHA256.hash(data: Data(expected.utf8))))
    }

    @Test func accountKeySurvivesPEM() throws {
        let key = ACMEAccountKey()
        let again = try ACMEAccountKey(pemRepresentation: key.pemRepresentation)
        #expect(again.jwk == key.jwk)
        #expect(throws: ACMEError.self) { try ACMEAccountKey(pemRepresentation: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----") }
    }

    /// RFC 8555 sections 8.1 and 8.4.
    @Test func keyAuthorizationAndDNSValue() {
        let key = ACMEAccountKey()
        let token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
        let keyAuthorization = key.keyAuthorization(token: token)
        #expect(keyAuthorization == token + "." + key.jwk.thumbprint)
        #expect(key.dnsValue(token: token) == Base64URL.encode(SHA256.hash(data: Data(keyAuthorization.utf8))))
        #expect(!key.dnsValue(token: token).contains("="))
    }

    @Test func jwsWithJWKForNewAccountVerifies() throws {
        let key = ACMEAccountKey()
        let payload = Data("{\"termsOfServiceAgreed\":true}".utf8)
        let jws = try JWS(key: key, signer: .jwk(key.jwk), nonce: "n-1", url: "https://ca.test/new-acct", payload: payload)
        let header = try decodedHeader(jws)
        #expect(header["alg"] as? String == "ES256")
        #expect(header["nonce"] as? String == "n-1")
        #expect(header["url"] as? String == "https://ca.test/new-acct")
        #expect(header["kid"] == nil)
        let jwk = try #require(header["jwk"] as? [String: String])
        #expect(JSONWebKey(requiredMembers: jwk) == key.jwk)
        #expect(Base64URL.decode(jws.payload) == payload)
        try expectValidSignature(jws, publicKey: key.privateKey.publicKey)
    }

    @Test func jwsWithKidAndEmptyPayloadForPostAsGet() throws {
        let key = ACMEAccountKey()
        let jws = try JWS(key: key, signer: .kid("https://ca.test/acct/7"), nonce: "n-2", url: "https://ca.test/order/1", payload: nil)
        let header = try decodedHeader(jws)
        #expect(header["kid"] as? String == "https://ca.test/acct/7")
        #expect(header["jwk"] == nil)
        #expect(jws.payload == "")
        try expectValidSignature(jws, publicKey: key.privateKey.publicKey)
        // Another key's signature does not verify: the check can fail.
        let other = ACMEAccountKey()
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Base64URL.decode(jws.signature)))
        #expect(!other.privateKey.publicKey.isValidSignature(signature, for: Data((jws.protected + "." + jws.payload).utf8)))
    }

    @Test func jwsSerializesAsFlattenedJSON() throws {
        let key = ACMEAccountKey()
        let jws = try JWS(key: key, signer: .kid("k"), nonce: "n", url: "u", payload: Data("{}".utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: try jws.encoded()) as? [String: String])
        #expect(Set(object.keys) == ["protected", "payload", "signature"])
    }

    @Test(arguments: [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("\u{FB}\u{FF}", "w7vDvw")])
    func base64URLRoundTrip(text: String, encoded: String) {
        #expect(Base64URL.encode(Data(text.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Data(text.utf8))
    }

    private func decodedHeader(_ jws: JWS) throws -> [String: Any] {
        let data = try #require(Base64URL.decode(jws.protected))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func expectValidSignature(_ jws: JWS, publicKey: P256.Signing.PublicKey) throws {
        let raw = try #require(Base64URL.decode(jws.signature))
        #expect(raw.count == 64)  // r || s, not DER
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: raw)
        #expect(publicKey.isValidSignature(signature, for: Data((jws.protected + "." + jws.payload).utf8)))
    }
}
