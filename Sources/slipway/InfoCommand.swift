import ArgumentParser
import SlipwayClient

struct Info: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show an app: its URL, services and replicas.")

    @OptionGroup var target: AppArgument
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let name = try target.name
        let app = try await global.withClient { try await $0.app(name) }
        if global.json { try Output.json(app) } else { Output.line(Reports.info(app)) }
    }
}
