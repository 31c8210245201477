import ArgumentParser
import Foundation
import SlipwayClient

/// Options every client command takes. The token never comes from a flag (it would stay in shell
/// history and in `ps` output): see `ClientSettings` for where it is found.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The Slipway server (default: $SLIPWAY_SERVER, else ~/.slipway/config's server, else \(SlipwayClient.Configuration.defaultServer)).",
        valueName: "url"))
    var server: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "PEM certificate of the CA that signed an https:// server's certificate (default: $SLIPWAY_CA_FILE, else ~/.slipway/config's ca-file).",
        valueName: "file"))
    var caFile: String?

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
        try ClientSettings().configuration(serverFlag: server, caFileFlag: caFile)
    }

    func withClient<Result: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (SlipwayClient) async throws -> Result
    ) async throws -> Result {
        try await SlipwayClient.withClient(try clientConfiguration(), body)
    }
}
