import ArgumentParser
import Foundation
import SlipwayClient

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a deploy's stages, their timings and the outcome.")

    @Argument(help: ArgumentHelp("The deploy's trace id, as `slipway deploy` printed it.", valueName: "trace"))
    var trace: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let view = try await global.withClient { try await $0.deployStatus(traceId: trace) }
        if global.json { try Output.json(view) } else { Output.line(Reports.status(view, now: Date())) }
    }
}
