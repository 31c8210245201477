import ArgumentParser
import SlipwayClient

struct Destroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Destroy an app: stop its replicas, remove its route and releases.")

    @OptionGroup var target: AppArgument
    @Flag(help: "Also remove the app's named volumes and the data in them (kept otherwise).")
    var volumes = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let name = try target.name
        let (result, app, releases) = try await global.withClient { client in
            // Looked up first only to say what was removed; the DELETE's answer is what counts.
            let app = try? await client.app(name)
            let releases = try? await client.releases(app: name)
            return (try await client.destroy(app: name, volumes: volumes), app, releases)
        }
        if global.json { try Output.json(result) } else { Output.line(Reports.destroyed(result, app: app, releases: releases)) }
    }
}
