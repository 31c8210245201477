import ACME
import Foundation
import Logging
import NIOHTTP1
import SlipwayRouter

extension RouterLink {
    /// The router process answers `token` on `--http` from now on (and after its restart).
    func presentChallenge(token: String, keyAuthorization: String) async throws {
        try ChallengeAnswer.validate(token: token, keyAuthorization: keyAuthorization)
        challenges[token] = keyAuthorization
        try await putChallenge(token: token, keyAuthorization: keyAuthorization)
    }

    func removeChallenge(token: String) async {
        guard challenges.removeValue(forKey: token) != nil else { return }
        _ = try? await send(.DELETE, "/challenges/\(token)", body: nil, timeout: .seconds(5))
    }

    func resendChallenges() async {
        for (token, keyAuthorization) in challenges {
            do {
                try await putChallenge(token: token, keyAuthorization: keyAuthorization)
            } catch {
                logger.warning("could not hand an ACME challenge to the restarted router process", metadata: ["error": "\(error)"])
            }
        }
    }

    private func putChallenge(token: String, keyAuthorization: String) async throws {
        let body = try JSONEncoder().encode(ChallengeAnswer(keyAuthorization: keyAuthorization))
        _ = try await send(.PUT, "/challenges/\(token)", body: body, timeout: .seconds(5))
    }
}

/// HTTP-01 answered by the router process: the token is handed over its control socket for as
/// long as the CA may check it (see `RouterHTTP01Solver` for the router in the server's process).
struct RouterProcessHTTP01Solver: ACMEChallengeSolver {
    let link: RouterLink
    var challengeType: ACMEChallengeType { .http01 }

    func present(_ task: ACMEChallengeTask) async throws {
        try await link.presentChallenge(token: task.token, keyAuthorization: task.keyAuthorization)
    }

    func cleanUp(_ task: ACMEChallengeTask) async {
        await link.removeChallenge(token: task.token)
    }
}
