import ArgumentParser
import SlipwayClient
import SlipwayCore

/// `rollback`, `config set/unset` and `scale` all start a release without a build and follow it
/// like a deploy: stages live, the URL last, exit 1 if it failed.
enum ReleaseChangeFollower {
    static func run(_ global: GlobalOptions, announce: String, start: @escaping (SlipwayClient) async throws -> TraceResponse) async throws {
        let live = !global.json
        let final = try await global.withClient { client in
            let trace = try await start(client)
            if live { Output.line("\(announce) (trace \(trace.traceId))") }
            let follower = DeployFollower(client: client, traceId: trace.traceId, live: live,
                                          terminal: live && Output.stdoutIsTerminal, verbose: false)
            let view = try await follower.follow()
            try await DeployOutcome.report(view, client: client, json: global.json)
            return view
        }
        if final.status != .completed { throw ExitCode.failure }
    }
}
