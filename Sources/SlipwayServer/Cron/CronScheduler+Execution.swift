import Foundation
import Logging
import SlipwayCore
import SlipwayEngines
import SlipwayStore

extension CronScheduler {
    private enum Outcome: Sendable {
        case exited(Int)
        case couldNotRun(String)
        case timedOut
        case stopped(String)
        /// The server is shutting down.
        case cancelled
    }

    /// Runs one admitted run to its end: the command in a one-off container of the release, its
    /// output to the app's logs, stopped after the job's timeout or when replaced; the outcome is
    /// recorded on the run, and a failure is an app event.
    func execute(_ start: Start) async {
        let (release, job, run) = (start.release, start.job, start.run)
        let process = "cron.\(job.name)"
        let (engine, deliver, app) = (self.engine, self.deliver, release.app.value)
        let outcome = await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    let code = try await engine.runOneOff(release, service: nil, command: job.command, stdin: nil, purpose: .run) { event in
                        guard let text = event.text else { return }
                        await deliver(app, AppLogLine(time: Date(), process: process, stream: event.stream ?? "stdout", text: text))
                    }
                    return .exited(code)
                } catch {
                    return Task.isCancelled ? .cancelled : .couldNotRun((error as? SlipwayError)?.message ?? "\(error)")
                }
            }
            group.addTask {
                do { try await Task.sleep(for: .seconds(job.timeout)) } catch { return .cancelled }
                return .timedOut
            }
            group.addTask { await start.stop.wait().map(Outcome.stopped) ?? .cancelled }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
        let (status, code, message) = Self.record(outcome, timeout: job.timeout)
        do {
            try store.finishCronRun(id: run.id, status: status, exitCode: code, message: message, at: clock.now())
        } catch {
            logger.error("could not record the end of a cron run", metadata: ["app.name": "\(app)", "cron.run": "\(run.id)", "error": "\(error)"])
        }
        await active.finished(app: app, job: job.name, id: run.id)
        if status == .failed || status == .timedOut {
            report(AppEvent(app: app, kind: .cronFailed,
                            message: "cron job \(job.name) (run \(run.id)) \(message ?? status.rawValue)", release: release.version))
        }
    }

    private static func record(_ outcome: Outcome, timeout: Double) -> (CronRun.Status, Int?, String?) {
        switch outcome {
        case .exited(0): (.succeeded, 0, nil)
        case .exited(let code): (.failed, code, "exited with code \(code)")
        case .couldNotRun(let reason): (.failed, nil, "could not run: \(reason)")
        case .timedOut: (.timedOut, nil, "stopped after its timeout of \(DurationFormat.text(timeout))")
        case .stopped(let reason): (.stopped, nil, reason)
        case .cancelled: (.stopped, nil, "the server shut down while it ran")
        }
    }
}

enum DurationFormat {
    /// 600 -> "10m", 90 -> "1m30s", 5 -> "5s".
    static func text(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60)
        return (h > 0 ? "\(h)h" : "") + (m > 0 ? "\(m)m" : "") + (s > 0 || total == 0 ? "\(s)s" : "")
    }
}
