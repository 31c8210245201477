import Crypto
import Foundation

/// A JWS in flattened JSON serialization (RFC 7515 section 7.2.2) signed with ES256, the body
/// of every ACME POST (RFC 8555 section 6.2).
struct JWS: Encodable {
    /// Who signs: the key itself (newAccount, section 6.2) or the account URL after that.
    enum Signer {
        case jwk(JSONWebKey)
        case kid(String)
    }

    let protected: String
    let payload: String
    let signature: String

    /// - Parameter payload: the JSON payload, or nil for POST-as-GET (an empty payload, section 6.3).
    init(key: ACMEAccountKey, signer: Signer, nonce: String, url: String, payload: Data?) throws {
        var header = "{\"alg\":\"ES256\","
        switch signer {
        case .jwk(let jwk): header += "\"jwk\":" + jwk.canonicalJSON + ","
        case .kid(let kid): header += "\"kid\":" + Self.jsonString(kid) + ","
        }
        header += "\"nonce\":" + Self.jsonString(nonce) + ",\"url\":" + Self.jsonString(url) + "}"
        self.protected = Base64URL.encode(Data(header.utf8))
        self.payload = payload.map { Base64URL.encode($0) } ?? ""
        // ES256 signatures are the raw 64-byte r || s (RFC 7518 section 3.4), not DER.
        let signingInput = Data((self.protected + "." + self.payload).utf8)
        self.signature = Base64URL.encode(try key.privateKey.signature(for: signingInput).rawRepresentation)
    }

    func encoded() throws -> Data {
        try JSONEncoder().encode(self)
    }

    private static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
