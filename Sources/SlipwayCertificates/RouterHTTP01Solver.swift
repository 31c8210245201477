import ACME
import SlipwayRouter

/// HTTP-01 answered by the router itself: the token goes into the router's store for as long as
/// the CA may check it, so no app and no route are needed for the host.
public struct RouterHTTP01Solver: ACMEChallengeSolver {
    public let tokens: ACMEChallengeTokens
    public var challengeType: ACMEChallengeType { .http01 }

    public init(tokens: ACMEChallengeTokens) {
        self.tokens = tokens
    }

    public func present(_ task: ACMEChallengeTask) async throws {
        tokens.set(token: task.token, keyAuthorization: task.keyAuthorization)
    }

    public func cleanUp(_ task: ACMEChallengeTask) async {
        tokens.remove(token: task.token)
    }
}
