import ArgumentParser
import Foundation
import SlipwayClient

struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List an app's replicas: state (running, crashloop...), ready, restarts, age, port.")

    @OptionGroup var target: AppArgument
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let name = try target.name
        let list = try await global.withClient { try await $0.replicas(app: name) }
        if global.json { try Output.json(list) } else { Output.line(Reports.replicas(list, now: Date())) }
    }
}
