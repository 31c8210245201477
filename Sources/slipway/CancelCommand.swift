import ArgumentParser
import Foundation
import SlipwayClient

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a queued or running deploy: its build stops, what it started is removed, the release before keeps serving.")

    @Argument(help: ArgumentHelp("The deploy's trace id, as `slipway deploy` printed it.", valueName: "trace"))
    var trace: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let view = try await global.withClient { try await $0.cancel(traceId: trace) }
        if global.json { try Output.json(view) } else { Output.line(Reports.status(view, now: Date())) }
    }
}
