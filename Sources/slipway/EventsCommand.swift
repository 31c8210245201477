import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what happened to an app: deploys, releases, replicas started, ready, crashed, restarted.",
        discussion: "With -f, keeps printing events as they happen (Ctrl-C stops). --json prints one JSON object per line.")

    @OptionGroup var target: AppArgument
    @OptionGroup var history: HistoryOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let name = try target.name
        try await global.withClient { client in
            if history.follow {
                for try await event in try await client.followEvents(app: name, since: history.since, tail: history.tail) { try show(event) }
            } else {
                let list = try await client.events(app: name, since: history.since, tail: history.tail)
                if global.json { try Output.json(list); return }
                if list.events.isEmpty { Output.line("no events for \(name)\(history.since.map { " since \($0)" } ?? "")") }
                for event in list.events { try show(event) }
            }
        }
    }

    private func show(_ event: AppEvent) throws {
        if global.json { try Output.jsonLine(event); return }
        Output.line(Reports.eventLine(event))
    }
}
