import ArgumentParser
import Foundation
import SlipwayClient

/// Options every client command takes. The token comes only from the environment: a flag would
/// leave it in shell history and in `ps` output.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The Slipway server (default: $SLIPWAY_SERVER, else \(SlipwayClient.Configuration.defaultServer)).",
        valueName: "url"))
    var server: String?

    @Flag(name: .long, help: "Print the result as JSON, in the API's shapes, for scripts.")
    var json = false

    func validate() throws {
        do {
            _ = try clientConfiguration()
        } catch {
            throw ValidationError(Output.message(for: error))
        }
    }

    func clientConfiguration() throws -> SlipwayClient.Configuration {
        let environment = ProcessInfo.processInfo.environment
        let server = self.server ?? environment["SLIPWAY_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? SlipwayClient.Configuration.defaultServer
        let token = environment["SLIPWAY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return try SlipwayClient.Configuration(server: server, token: token)
    }

    func withClient<Result: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (SlipwayClient) async throws -> Result
    ) async throws -> Result {
        try await SlipwayClient.withClient(try clientConfiguration(), body)
    }
}
