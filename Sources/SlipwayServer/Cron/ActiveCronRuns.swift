import Foundation
import SlipwayCore
import SlipwayStore

/// The runs going on now, per job, and the one place that decides what `concurrency` means for a
/// new run: the check and the record happen in one actor call, so two runs due at once cannot
/// both pass a `forbid`.
actor ActiveCronRuns {
    /// Tells a run to stop early, with the reason recorded on it.
    struct StopSwitch: Sendable {
        let stream: AsyncStream<String>
        let continuation: AsyncStream<String>.Continuation

        init() { (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1)) }

        func stop(_ reason: String) { continuation.yield(reason) }

        /// The reason once stopped; nil if the waiting task is cancelled first.
        func wait() async -> String? {
            for await reason in stream { return reason }
            return nil
        }
    }

    enum Admission: Sendable {
        case started(CronRun, StopSwitch)
        /// `forbid`: the run recorded as skipped, and the id of the one still running.
        case skipped(CronRun, runningId: Int)
    }

    private let store: SlipwayStore
    private var running: [String: [Int: StopSwitch]] = [:]

    init(store: SlipwayStore) { self.store = store }

    static func key(_ app: String, _ job: String) -> String { "\(app)/\(job)" }

    /// Records the new run (running, or skipped under `forbid`); under `replace`, stops the others.
    func admit(_ release: Release, _ job: CronJobSpec, trigger: CronRun.Trigger, scheduledFor: Date?, now: Date) throws -> Admission {
        let key = Self.key(release.app.value, job.name)
        var run = CronRun(id: 0, app: release.app.value, job: job.name, release: release.version, trigger: trigger,
                          scheduledFor: scheduledFor, startedAt: now, status: .running)
        let others = running[key] ?? [:]
        if job.concurrency == .forbid, let busy = others.keys.min() {
            run.status = .skipped
            run.finishedAt = now
            run.message = "run \(busy) was still running (concurrency: forbid)"
            return .skipped(try store.recordCronRun(run), runningId: busy)
        }
        run = try store.recordCronRun(run)
        if job.concurrency == .replace {
            for stop in others.values { stop.stop("replaced by run \(run.id) (concurrency: replace)") }
        }
        let stop = StopSwitch()
        running[key, default: [:]][run.id] = stop
        return .started(run, stop)
    }

    func finished(app: String, job: String, id: Int) {
        let key = Self.key(app, job)
        running[key]?[id] = nil
        if running[key]?.isEmpty == true { running[key] = nil }
    }

    func count(app: String, job: String) -> Int { running[Self.key(app, job)]?.count ?? 0 }
}
