import Hummingbird
import SlipwayCore

/// `POST /v1/secrets/rotate-key`: see `SecretRotation`.
struct SecretsController: Sendable {
    let rotation: SecretRotation

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/secrets/rotate-key") { _, _ in
            try JSONResponse.make(try await rotation.rotate())
        }
    }
}
