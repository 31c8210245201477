import Crypto
import Foundation

/// The public part of a key as a JSON Web Key (RFC 7517), holding only the members that
/// RFC 7638 counts for the thumbprint (for EC: crv, kty, x, y; for RSA: e, kty, n).
public struct JSONWebKey: Sendable, Hashable {
    /// Member name -> value. All values of the required members are strings.
    public let members: [String: String]

    public init(requiredMembers: [String: String]) {
        self.members = requiredMembers
    }

    /// The JWK of a P-256 public key: coordinates as 32-byte big-endian base64url.
    public init(p256 key: P256.Signing.PublicKey) {
        // x963 is 0x04 || X (32 bytes) || Y (32 bytes).
        let point = Array(key.x963Representation)
        self.members = [
            "kty": "EC", "crv": "P-256",
            "x": Base64URL.encode(point[1..<33]),
            "y": Base64URL.encode(point[33..<65]),
        ]
    }

    /// The canonical JSON of RFC 7638 section 3: the required members in lexicographic order,
    /// no whitespace. Also the form put in a JWS `jwk` header (any JSON form would do there).
    public var canonicalJSON: String {
        let fields = members.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(members[$0] ?? ""))" }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// base64url(SHA-256(canonical JSON)), RFC 7638.
    public var thumbprint: String {
        Base64URL.encode(SHA256.hash(data: Data(canonicalJSON.utf8)))
    }

    private static func quoted(_ text: String) -> String {
        // Member names and base64url values hold no characters JSON must escape, but a caller
        // may build a key from arbitrary strings: escape through the JSON encoder to be safe.
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
