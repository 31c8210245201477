import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what happened to an app: deploys, releases, replicas started, ready, crashed, restarted.",
        discussion: "With -f, keeps printing events as they happen (Ctrl-C stops). --json prints one JSON object per line.")

    @OptionGroup var target: AppArgument
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new events.")
    var follow = false
    @Option(help: "Only events since a duration ago (10m, 2h, 1d) or an RFC 3339 time.")
    var since: String?
    @Option(help: "At most this many of the most recent events (default 100).")
    var tail: Int?
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let since { do { _ = try SinceTime.parse(since) } catch { throw ValidationError(Output.message(for: error)) } }
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
    }

    func run() async throws {
        let name = try target.name
        try await global.withClient { client in
            if follow {
                for try await event in try await client.followEvents(app: name, since: since, tail: tail) { try show(event) }
            } else {
                let list = try await client.events(app: name, since: since, tail: tail)
                if global.json { try Output.json(list); return }
                if list.events.isEmpty { Output.line("no events for \(name)\(since.map { " since \($0)" } ?? "")") }
                for event in list.events { try show(event) }
            }
        }
    }

    private func show(_ event: AppEvent) throws {
        if global.json { try Output.jsonLine(event); return }
        Output.line(Reports.eventLine(event))
    }
}
