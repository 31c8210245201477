import ArgumentParser
import SlipwayClient

struct Apps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the apps, their releases, services and URLs.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let list = try await global.withClient { try await $0.apps() }
        if global.json { try Output.json(list) } else { Output.line(Reports.apps(list)) }
    }
}
