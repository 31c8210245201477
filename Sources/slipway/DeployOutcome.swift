import Foundation
import SlipwayClient
import SlipwayCore

/// How `deploy` and `rollback` end: the URLs last on success, the failing stage, its reason and
/// the log's tail on stderr otherwise.
enum DeployOutcome {
    /// The end of the deploy: URLs last on success; on failure the stage, the reason and the log's tail on stderr.
    static func report(_ view: DeployView, client: SlipwayClient, json: Bool) async throws {
        if json {
            try Output.json(view)
            if view.status != .completed { Output.error("error: \(DeployProgressFormatter.failure(view))") }
            return
        }
        guard view.status == .completed else {
            Output.error("error: \(DeployProgressFormatter.failure(view))")
            let tail = await DeployFollower.logTail(client: client, traceId: view.traceId, lines: 20)
            if tail.isEmpty {
                Output.error("(the deploy log is empty)")
            } else {
                Output.error(tail.count == 1 ? "the last line of the deploy log:" : "the last \(tail.count) lines of the deploy log:")
                for line in tail { Output.error("  | \(line)") }
            }
            Output.error("stages and timings: slipway status \(view.traceId)")
            return
        }
        Output.line(DeployProgressFormatter.summary(view))
        let apps = view.apps.isEmpty ? [view.app] : view.apps
        for name in apps {
            guard let label = try? DNSLabel(name) else { continue }
            do {
                let app = try await client.app(label)
                Output.line(apps.count > 1 ? "  \(name): \(app.url)" : "  \(app.url)")
            } catch {
                Output.line("  \(name): URL unavailable (\(Output.message(for: error)))")
            }
        }
    }

}
