import Foundation
import NIOCore

/// What to send as `Authorization`, learned from the registry's challenges.
///
/// A registry that challenges with Basic gets the credentials on every later request, so
/// only the first request pays a 401. One that challenges with Bearer gets a token from its
/// realm, cached per scope (`repository:NAME:pull,push`) until shortly before it expires.
actor RegistryAuthenticator {
    struct Token: Sendable {
        var value: String
        var expires: ContinuousClock.Instant
    }

    /// The token endpoint's answer. Docker's endpoint says `token`, OAuth-style ones
    /// `access_token`; some send both.
    struct TokenResponse: Decodable {
        var token: String?
        var accessToken: String?
        var expiresIn: Int?

        enum CodingKeys: String, CodingKey {
            case token
            case accessToken = "access_token"
            case expiresIn = "expires_in"
        }
    }

    /// Fetches a token from `realm` for `service` and `scope` (both optional).
    typealias TokenFetcher = @Sendable (_ realm: String, _ service: String?, _ scope: String?) async throws -> TokenResponse

    let credentials: RegistryCredentials?
    private var usesBasic = false
    private var tokens: [String: Token] = [:]
    /// Tokens are renewed this long before they expire, so one is not used while it lapses.
    private static let expiryMargin: Duration = .seconds(10)
    /// The spec's default lifetime when the endpoint does not say.
    private static let defaultLifetime = 60

    init(credentials: RegistryCredentials?) {
        self.credentials = credentials
    }

    /// The Authorization value to send up front for a request with `scope`, if one is known.
    func authorization(for scope: String?) -> String? {
        if usesBasic { return credentials?.basicAuthorization }
        guard let token = tokens[scope ?? ""], token.expires > .now else { return nil }
        return "Bearer \(token.value)"
    }

    /// After a 401 with `challenge`: the Authorization value to retry with, or nil when the
    /// challenge cannot be answered (Basic without credentials, an unknown scheme).
    func authorize(after challenge: AuthChallenge, scope: String?, fetchToken: TokenFetcher) async throws -> String? {
        switch challenge.scheme {
        case .basic:
            guard let credentials else { return nil }
            usesBasic = true
            return credentials.basicAuthorization
        case .bearer:
            guard let realm = challenge.realm else { return nil }
            // The challenge's scope is what the registry wants; ours is the fallback (the
            // /v2/ probe's challenge names none).
            let response = try await fetchToken(realm, challenge.service, challenge.scope ?? scope)
            guard let value = response.token ?? response.accessToken, !value.isEmpty else { return nil }
            let lifetime = Duration.seconds(max(response.expiresIn ?? Self.defaultLifetime, 0))
            tokens[scope ?? ""] = Token(value: value, expires: .now + lifetime - Self.expiryMargin)
            return "Bearer \(value)"
        case .other:
            return nil
        }
    }
}
