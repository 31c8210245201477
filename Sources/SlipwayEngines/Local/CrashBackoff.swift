import Foundation

/// Restart history per replica slot (app, service, index), which outlives the containers that
/// fill the slot: a crashed or missing replica is replaced at once the first time, then after
/// 1 s, 2 s, 4 s... up to 5 min; ten minutes without a restart forgive the history.
actor CrashBackoff {
    struct SlotHistory {
        var restarts = 0
        var lastRestart: ContinuousClock.Instant?
        /// Set when a crash is first seen: the slot restarts no sooner than this.
        var waitUntil: ContinuousClock.Instant?
        var crashLooping: Bool { waitUntil.map { $0 > .now } ?? false }
    }

    private var slots: [String: SlotHistory] = [:]

    static func slotKey(app: String, service: String, index: Int) -> String { "\(app)/\(service)/\(index)" }

    func history(_ slot: String) -> SlotHistory { slots[slot] ?? SlotHistory() }

    /// Forgets the history of an app's slots (it was destroyed).
    func forget(app: String) {
        slots = slots.filter { !$0.key.hasPrefix(app + "/") }
    }

    /// Whether the slot may restart now, counted from when the crash is first seen; records the
    /// restart when it may.
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
