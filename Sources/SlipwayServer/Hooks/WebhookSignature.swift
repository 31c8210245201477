import Crypto
import Foundation
import HTTPTypes
import SlipwayCore

/// Checks a webhook delivery as its forge documents it, before its body is parsed:
/// - GitHub: `X-Hub-Signature-256: sha256=HEX`, HMAC-SHA256 of the raw body under the secret;
///   `X-GitHub-Event`, `X-GitHub-Delivery`.
/// - GitLab: `X-Gitlab-Token` is the secret itself; `X-Gitlab-Event`, `X-Gitlab-Event-UUID`
///   (or `Idempotency-Key`).
/// - Gitea/Forgejo: `X-Gitea-Signature: HEX` (or `X-Forgejo-Signature`), HMAC-SHA256 of the body;
///   `X-Gitea-Event`, `X-Gitea-Delivery`.
/// - Bitbucket Cloud: `X-Hub-Signature: sha256=HEX`; `X-Event-Key`, `X-Request-UUID` (or `X-Hook-UUID`).
/// Every comparison takes the same time whatever the guess (swift-crypto's MAC check and digest equality).
enum WebhookSignature {
    /// The verified delivery's event name and id.
    struct Delivery: Equatable {
        var event: String
        var id: String
    }

    static func verify(_ forge: Forge, headers: HTTPFields, body: [UInt8], secret: String) throws -> Delivery {
        let key = SymmetricKey(data: Data(secret.utf8))
        switch forge {
        case .github:
            try checkHMAC(header: "X-Hub-Signature-256", in: headers, prefix: "sha256=", body: body, key: key, forge: forge)
            return try delivery(headers, event: "X-GitHub-Event", id: ["X-GitHub-Delivery"], forge: forge)
        case .gitlab:
            guard let token = value("X-Gitlab-Token", headers) else { throw missing("X-Gitlab-Token", forge: forge) }
            guard SHA256.hash(data: Data(token.utf8)) == SHA256.hash(data: Data(secret.utf8)) else { throw mismatch("X-Gitlab-Token") }
            return try delivery(headers, event: "X-Gitlab-Event", id: ["X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID", "Idempotency-Key"], forge: forge)
        case .gitea:
            let header = value("X-Gitea-Signature", headers) == nil && value("X-Forgejo-Signature", headers) != nil
                ? "X-Forgejo-Signature" : "X-Gitea-Signature"
            try checkHMAC(header: header, in: headers, prefix: "", body: body, key: key, forge: forge)
            let event = value("X-Gitea-Event", headers) == nil && value("X-Forgejo-Event", headers) != nil ? "X-Forgejo-Event" : "X-Gitea-Event"
            return try delivery(headers, event: event, id: ["X-Gitea-Delivery", "X-Forgejo-Delivery"], forge: forge)
        case .bitbucket:
            try checkHMAC(header: "X-Hub-Signature", in: headers, prefix: "sha256=", body: body, key: key, forge: forge)
            return try delivery(headers, event: "X-Event-Key", id: ["X-Request-UUID", "X-Hook-UUID"], forge: forge)
        }
    }

    private static func checkHMAC(header: String, in headers: HTTPFields, prefix: String, body: [UInt8], key: SymmetricKey, forge: Forge) throws {
        guard let raw = value(header, headers) else { throw missing(header, forge: forge) }
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix(prefix), let mac = hexBytes(text.dropFirst(prefix.count)), mac.count == SHA256.byteCount,
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) else {
            throw mismatch(header)
        }
    }

    private static func delivery(_ headers: HTTPFields, event: String, id names: [String], forge: Forge) throws -> Delivery {
        guard let eventName = value(event, headers) else { throw missingHeader(event, forge: forge) }
        guard let id = names.lazy.compactMap({ value($0, headers) }).first else { throw missingHeader(names[0], forge: forge) }
        guard id.count <= 200, eventName.count <= 100 else {
            throw SlipwayError.invalidRequest("the delivery's \(event) or id header is longer than any forge sends")
        }
        return Delivery(event: eventName, id: id)
    }

    static func value(_ name: String, _ headers: HTTPFields) -> String? {
        guard let field = HTTPField.Name(name), let value = headers[field], !value.isEmpty else { return nil }
        return value
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The lowercase hex HMAC-SHA256 of `body` (what GitHub, Gitea and Bitbucket send; tests sign with it).
    static func hmacHex(_ body: [UInt8], secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    private static func missing(_ header: String, forge: Forge) -> SlipwayError {
        SlipwayError(code: "signature_missing",
                     message: "the delivery has no \(header) header, which \(forge.rawValue) sends with every webhook; set the webhook's secret to the one `slipway git connect` printed (reconnect for a new one)",
                     httpStatus: 401)
    }

    private static func missingHeader(_ header: String, forge: Forge) -> SlipwayError {
        SlipwayError(code: "missing_header",
                     message: "the delivery has no \(header) header, which \(forge.rawValue) sends with every webhook: the event and the delivery id are needed (a replay is recognised by its id)",
                     httpStatus: 400)
    }

    private static func mismatch(_ header: String) -> SlipwayError {
        SlipwayError(code: "signature_mismatch",
                     message: "\(header) does not match this app's webhook secret: the body was changed or the secret is wrong; set the webhook's secret to the one `slipway git connect` printed (reconnect for a new one)",
                     httpStatus: 401)
    }
}
