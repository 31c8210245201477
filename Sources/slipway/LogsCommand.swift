import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an app's output: every replica, in time order, each line prefixed with its time and process (web.1).",
        discussion: """
        Lines are kept by the server (rotated, 50 MB per app by default), so --since reaches back past \
        redeploys and replaced replicas. With -f, keeps printing as the app writes, across redeploys and \
        restarts (new replicas join). --json prints one JSON object per line.
        """)

    @OptionGroup var target: AppArgument
    @Option(help: "Only one process type (web) or replica (web.1).")
    var process: String?
    @OptionGroup var history: HistoryOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let name = try target.name
        let query = SlipwayClient.LogQuery(since: history.since, process: process, tail: history.tail)
        try await global.withClient { client in
            if history.follow {
                for try await line in try await client.followLogs(app: name, query) { try show(line) }
            } else {
                for line in try await client.logs(app: name, query).lines { try show(line) }
            }
        }
    }

    private func show(_ line: AppLogLine) throws {
        if global.json { try Output.jsonLine(line) } else { Output.line(line.formatted) }
    }
}
