import Foundation

/// Proof of holding an app's lock (see `AppLocks`). Whoever holds the lease may change the app's
/// containers and routes; the lock is free again once the lease is released or deallocated.
final class AppLease: Sendable {
    let app: String
    init(app: String) { self.app = app }
}

/// The per-app lock of the local engine: a rollout, a destroy and a reconcile pass each hold an
/// app's lease while they change it, so they never change it at once. A holder that disappears
/// without releasing (a dropped `Rollout`) frees the lock with it: the lock refers to its lease
/// weakly.
actor AppLocks {
    private struct Holder {
        weak var lease: AppLease?
    }

    private var holders: [String: Holder] = [:]
    /// Bumped each time an app's lock is freed: a container listing taken before a bump is stale.
    private var generations: [String: Int] = [:]
    /// Apps destroyed since the server started, until a rollout of the same name begins: the
    /// reconciler treats them as having no current release while the store still names one.
    private var destroyed: Set<String> = []

    /// Takes the app's lock if it is free; nil if someone holds it.
    func tryLock(_ app: String) -> AppLease? {
        if let holder = holders[app] {
            if holder.lease != nil { return nil }
            // Its holder was dropped without releasing: what it listed is stale.
            generations[app, default: 0] += 1
        }
        let lease = AppLease(app: app)
        holders[app] = Holder(lease: lease)
        return lease
    }

    /// Waits (up to `timeout`) until the app is free, then takes it. Reconcile passes hold an app briefly.
    func lock(_ app: String, timeout: Duration = .seconds(60)) async -> AppLease? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let lease = tryLock(app) { return lease }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Frees the lock `lease` holds (nothing if it no longer holds it); returns the app's generation after.
    @discardableResult
    func unlock(_ lease: AppLease) -> Int {
        guard holders[lease.app]?.lease === lease else { return generations[lease.app, default: 0] }
        holders[lease.app] = nil
        generations[lease.app, default: 0] += 1
        return generations[lease.app, default: 0]
    }

    func generation(_ app: String) -> Int { generations[app, default: 0] }

    /// Every app's generation now (an app missing has 0).
    func allGenerations() -> [String: Int] { generations }

    func markDestroyed(_ app: String) { destroyed.insert(app) }
    func clearDestroyed(_ app: String) { destroyed.remove(app) }
    func isDestroyed(_ app: String) -> Bool { destroyed.contains(app) }
}
