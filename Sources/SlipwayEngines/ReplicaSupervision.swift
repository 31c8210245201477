import Foundation
import SlipwayCore

/// What the local engine remembers between reconcile passes: each replica's health, published
/// port and restart history. Rebuilt from the engine after a restart.
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
        var lastRestart: ContinuousClock.Instant?
        /// Set when a crash is first seen: the slot restarts no sooner than this.
        var waitUntil: ContinuousClock.Instant?
        var crashLooping: Bool { waitUntil.map { $0 > .now } ?? false }
    }

    private var replicas: [String: ReplicaRecord] = [:]
    /// Published host ports by container id: they do not change while a container runs, so a
    /// reconcile pass need not inspect every container every second.
    private var hostPorts: [String: Int] = [:]

    func hostPort(_ containerID: String) -> Int? { hostPorts[containerID] }
    func setHostPort(_ containerID: String, _ port: Int) { hostPorts[containerID] = port }
    private var slots: [String: SlotHistory] = [:]

    /// Forgets the restart history of an app's slots (it was destroyed).
    func forget(app: String) {
        slots = slots.filter { !$0.key.hasPrefix(app + "/") }
    }

    func record(_ containerID: String) -> ReplicaRecord? { replicas[containerID] }

    /// A replica that passed its readiness check during a rollout starts out healthy.
    func markHealthy(_ containerID: String) {
        var record = replicas[containerID] ?? ReplicaRecord()
        record.healthy = true
        record.consecutiveFailures = 0
        record.lastCheck = .now
        replicas[containerID] = record
    }

    func markStarted(_ containerID: String) {
        replicas[containerID] = ReplicaRecord()
        hostPorts[containerID] = nil
    }

    /// Those who want to know when this engine is about to start a replica (the log collector:
    /// starting a container takes a few hundred milliseconds after its process began to write,
    /// and the engine's own start events come later still).
    private var startListeners: [UUID: AsyncStream<String>.Continuation] = [:]

    /// Called with a created container's id just before it is started.
    func announceStart(_ containerID: String) {
        for listener in startListeners.values { listener.yield(containerID) }
    }

    /// The ids of the replicas about to start from now on, until the consumer stops iterating.
    func replicaStarts() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1000))
        let key = UUID()
        startListeners[key] = continuation
        continuation.onTermination = { _ in Task { await self.removeStartListener(key) } }
        return stream
    }

    private func removeStartListener(_ key: UUID) { startListeners[key] = nil }

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

    func markStopped(_ containerID: String) { hostPorts[containerID] = nil }

    func dropReplica(_ containerID: String) {
        replicas[containerID] = nil
        hostPorts[containerID] = nil
    }

    static func slotKey(app: String, service: String, index: Int) -> String { "\(app)/\(service)/\(index)" }

    func history(_ slot: String) -> SlotHistory { slots[slot] ?? SlotHistory() }

    /// Exponential backoff for a crashed (or missing) replica, counted from when the crash is seen:
    /// the first restart is immediate, then 1 s, 2 s, 4 s... up to 5 min. Ten minutes without a
    /// restart forgive the history. Returns true when the slot may restart now, and records it.
    func claimRestart(_ slot: String, now: ContinuousClock.Instant = .now) -> Bool {
        var history = slots[slot] ?? SlotHistory()
        if let last = history.lastRestart, now - last > .seconds(600) { history.restarts = 0 }
        if history.waitUntil == nil {
            let delay: Duration = history.restarts == 0 ? .zero : .seconds(min(300, 1 << min(history.restarts - 1, 9)))
            history.waitUntil = now + delay
        }
        guard let waitUntil = history.waitUntil, waitUntil <= now else {
            slots[slot] = history
            return false
        }
        history.restarts += 1
        history.lastRestart = now
        history.waitUntil = nil
        slots[slot] = history
        return true
    }
}
