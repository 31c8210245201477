/// An HTTP-01 answer handed to a router process over its control socket
/// (`PUT /challenges/TOKEN` with this body). Checked before it is kept: the router serves the key
/// authorization verbatim to anyone who asks for the token, so only the shape RFC 8555 (section
/// 8.3) gives it is taken — a base64url token and `TOKEN.THUMBPRINT` — never markup, newlines
/// or a body of any size.
public struct ChallengeAnswer: Codable, Sendable, Equatable {
    public var keyAuthorization: String

    public init(keyAuthorization: String) {
        self.keyAuthorization = keyAuthorization
    }

    /// Tokens kept at once: a CA validates a few per order; more means something is wrong.
    public static let maximumTokens = 256

    /// Throws `ChallengeAnswerError` naming what was wrong.
    public static func validate(token: String, keyAuthorization: String) throws {
        guard (1...256).contains(token.utf8.count), token.utf8.allSatisfy(Self.isBase64URL) else {
            throw ChallengeAnswerError("a challenge token is 1 to 256 base64url characters (A-Z a-z 0-9 - _)")
        }
        let parts = keyAuthorization.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == token, (1...128).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy(Self.isBase64URL) else {
            throw ChallengeAnswerError("a key authorization is TOKEN.THUMBPRINT: the same token, a dot, and 1 to 128 base64url characters")
        }
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}

public struct ChallengeAnswerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
