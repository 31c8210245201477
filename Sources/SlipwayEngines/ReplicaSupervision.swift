import Foundation
import SlipwayCore

/// What the local engine remembers between reconcile passes: which release each app should run,
/// which apps a rollout is changing right now (the reconciler keeps its hands off those), and each
/// replica's health and restart history. Rebuilt from the store and the engine after a restart.
actor ReplicaSupervision {
    struct ReplicaRecord {
        var healthy = false
        var consecutiveFailures = 0
        var lastCheck: ContinuousClock.Instant?
        var startedAt = ContinuousClock.now
    }

    /// Restart history of one replica slot (app, service, index): it outlives the container.
    struct SlotHistory {
        var restarts = 0
        var nextRestartAllowed = ContinuousClock.now
        var lastRestart: ContinuousClock.Instant?
        var crashLooping = false
    }

    private(set) var currentReleases: [String: Release] = [:]
    private(set) var busyApps: Set<String> = []
    private var replicas: [String: ReplicaRecord] = [:]
    private var slots: [String: SlotHistory] = [:]

    func setCurrent(_ release: Release) { currentReleases[release.app.value] = release }
    func forget(app: String) {
        currentReleases[app] = nil
        slots = slots.filter { !$0.key.hasPrefix(app + "/") }
    }

    /// Marks an app as being changed by a rollout, a destroy or a reconcile pass; returns false if it already is.
    func begin(_ app: String) -> Bool { busyApps.insert(app).inserted }

    /// Waits (up to `timeout`) until the app is free, then takes it. Reconcile passes hold an app briefly.
    func acquire(_ app: String, timeout: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !begin(app) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
    func end(_ app: String) { busyApps.remove(app) }
    func isBusy(_ app: String) -> Bool { busyApps.contains(app) }

    func record(_ containerID: String) -> ReplicaRecord? { replicas[containerID] }

    /// A replica that passed its readiness check during a rollout starts out healthy.
    func markHealthy(_ containerID: String) {
        var record = replicas[containerID] ?? ReplicaRecord()
        record.healthy = true
        record.consecutiveFailures = 0
        record.lastCheck = .now
        replicas[containerID] = record
    }

    func markStarted(_ containerID: String) { replicas[containerID] = ReplicaRecord() }

    /// Records a check's outcome; returns the record after it.
    func recordCheck(_ containerID: String, passed: Bool) -> ReplicaRecord {
        var record = replicas[containerID] ?? ReplicaRecord()
        record.lastCheck = .now
        if passed {
            record.healthy = true
            record.consecutiveFailures = 0
        } else {
            record.consecutiveFailures += 1
        }
        replicas[containerID] = record
        return record
    }

    func dropReplica(_ containerID: String) { replicas[containerID] = nil }

    static func slotKey(app: String, service: String, index: Int) -> String { "\(app)/\(service)/\(index)" }

    func history(_ slot: String) -> SlotHistory { slots[slot] ?? SlotHistory() }

    /// Exponential backoff for a crashed replica: the first crash restarts at once, the next one no
    /// sooner than 1 s after that restart, then 2 s, 4 s... up to 5 min; ten minutes without a
    /// restart forgive the history.
    func noteRestart(_ slot: String, now: ContinuousClock.Instant = .now) -> SlotHistory {
        var history = slots[slot] ?? SlotHistory()
        if let last = history.lastRestart, now - last > .seconds(600) { history.restarts = 0 }
        history.restarts += 1
        let delay: Duration = .seconds(min(300, 1 << min(history.restarts - 1, 9)))
        history.lastRestart = now
        history.nextRestartAllowed = now + delay
        slots[slot] = history
        return history
    }

    func setCrashLooping(_ slot: String, _ value: Bool) {
        var history = slots[slot] ?? SlotHistory()
        history.crashLooping = value
        slots[slot] = history
    }

    /// Whether a crashed slot may restart now (its backoff has passed).
    func mayRestart(_ slot: String, now: ContinuousClock.Instant = .now) -> Bool {
        (slots[slot]?.nextRestartAllowed ?? now) <= now
    }
}
