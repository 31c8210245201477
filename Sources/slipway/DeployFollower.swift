import Foundation
import SlipwayClient
import SlipwayCore

/// Follows a deploy until it ends: polls its status, prints each stage as it starts and finishes,
/// and with --verbose streams the build log alongside.
struct DeployFollower: Sendable {
    let client: SlipwayClient
    let traceId: String
    /// False with --json: nothing is printed while following.
    let live: Bool
    /// A terminal gets a spinner redrawn in place; a pipe gets plain lines.
    let terminal: Bool
    let verbose: Bool

    static let pollInterval = Duration.milliseconds(150)
    /// Polls that may fail in a row (a server restart, say) before giving up: about 10 s.
    static let maxConsecutiveFailures = 60

    func follow() async throws -> DeployView {
        let display = LiveDisplay(terminal: terminal)
        return try await withThrowingTaskGroup(of: DeployView?.self) { group in
            group.addTask { try await poll(display) }
            if verbose {
                group.addTask {
                    await streamLog(display)
                    return nil
                }
            }
            var final: DeployView?
            while final == nil, let result = try await group.next() {
                final = result
            }
            // The log ends on its own when the deploy does; give it a moment to flush its last lines.
            if verbose {
                group.addTask {
                    try? await Task.sleep(for: .seconds(2))
                    return nil
                }
                _ = try await group.next()
            }
            group.cancelAll()
            await display.clearSpinner()
            guard let final else { throw CancellationError() }
            return final
        }
    }

    func poll(_ display: LiveDisplay) async throws -> DeployView {
        var tracker = DeployProgressTracker()
        var failures = 0
        var frame = 0
        var firstSeen: [String: ContinuousClock.Instant] = [:]
        while true {
            let view: DeployView
            do {
                view = try await client.deployStatus(traceId: traceId)
                failures = 0
            } catch let error as SlipwayError where ["unreachable", "timeout", "connection_closed"].contains(error.code) {
                failures += 1
                if failures >= Self.maxConsecutiveFailures { throw error }
                try await Task.sleep(for: Self.pollInterval)
                continue
            }
            if live {
                for event in tracker.update(view) { await display.show(event) }
                if let running = DeployProgressTracker.running(view) {
                    let start = firstSeen[running.name] ?? .now
                    firstSeen[running.name] = start
                    let elapsed = start.duration(to: .now)
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    await display.spin(DeployProgressFormatter.spinnerLine(stage: running.name, elapsed: seconds, frame: frame))
                }
            }
            if view.status != .inProgress { return view }
            frame += 1
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    func streamLog(_ display: LiveDisplay) async {
        do {
            for try await line in try await client.deployLog(traceId: traceId) {
                await display.log(line)
            }
        } catch is CancellationError {
        } catch {
            await display.log("(the build log stopped: \(Output.message(for: error)))")
        }
    }

    /// The last `lines` lines of the deploy's log; waits at most 10 s for the log to end.
    static func logTail(client: SlipwayClient, traceId: String, lines: Int) async -> [String] {
        let tail = TailCollector(capacity: lines)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard let stream = try? await client.deployLog(traceId: traceId) else { return }
                do {
                    for try await line in stream { await tail.append(line) }
                } catch {}
            }
            group.addTask { try? await Task.sleep(for: .seconds(10)) }
            _ = await group.next()
            group.cancelAll()
        }
        return await tail.lines
    }
}

actor TailCollector {
    private var buffer: LastLines

    init(capacity: Int) { buffer = LastLines(capacity: capacity) }

    func append(_ line: String) { buffer.append(line) }

    var lines: [String] { buffer.lines }
}

/// Serialises writes from the status poller and the log streamer, and owns the spinner line:
/// it is erased before any other output and redrawn after it.
actor LiveDisplay {
    let terminal: Bool
    private var spinner: String?

    init(terminal: Bool) { self.terminal = terminal }

    func show(_ event: DeployProgressTracker.Event) {
        switch event {
        case .started(let stage):
            if !terminal { Output.line(DeployProgressFormatter.startLine(stage: stage)) }
        case .finished(let stage, let status, let seconds, let message):
            let line = terminal
                ? DeployProgressFormatter.ttyFinishLine(stage: stage, status: status, seconds: seconds, message: message)
                : DeployProgressFormatter.finishLine(stage: stage, status: status, seconds: seconds, message: message)
            printAboveSpinner(line, keepSpinner: false)
        }
    }

    func spin(_ line: String) {
        guard terminal else { return }
        spinner = line
        Output.write("\r\u{1B}[2K" + line, to: .standardOutput)
    }

    func log(_ line: String) {
        printAboveSpinner("       \(line)", keepSpinner: true)
    }

    func clearSpinner() {
        guard terminal, spinner != nil else { return }
        Output.write("\r\u{1B}[2K", to: .standardOutput)
        spinner = nil
    }

    private func printAboveSpinner(_ line: String, keepSpinner: Bool) {
        let redraw = spinner
        clearSpinner()
        Output.line(line)
        if keepSpinner, let redraw { spin(redraw) }
    }
}
