import ArgumentParser
import SlipwayCore

/// `-f`, `--since` and `--tail`, as `slipway logs` and `slipway events` take them.
struct HistoryOptions: ParsableArguments {
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing what comes next (Ctrl-C stops).")
    var follow = false
    @Option(help: "Only what happened since a duration ago (10m, 2h, 1d) or an RFC 3339 time.")
    var since: String?
    @Option(help: "At most this many of the most recent (default 100; for logs, without --since).")
    var tail: Int?

    func validate() throws {
        if let since { do { _ = try SinceTime.parse(since) } catch { throw ValidationError(Output.message(for: error)) } }
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
    }
}
