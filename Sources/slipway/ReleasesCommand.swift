import ArgumentParser
import SlipwayClient

struct Releases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List an app's releases, newest first.")

    @OptionGroup var target: AppArgument
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let name = try target.name
        let list = try await global.withClient { try await $0.releases(app: name) }
        if global.json { try Output.json(list) } else { Output.line(Reports.releases(list)) }
    }
}
