import Foundation

/// What the local engine knows of each replica container beyond what the container engine
/// lists: its health-check record and its published host port. Rebuilt after a restart
/// (adopted replicas that answer start out healthy).
actor ReplicaRecords {
    /// Told when a replica starts or goes, so a kept listing is not shown after.
    let listing: SharedListing?

    init(listing: SharedListing? = nil) { self.listing = listing }

    struct Health {
        var healthy = false
        var consecutiveFailures = 0
        var lastCheck: ContinuousClock.Instant?
        var startedAt = ContinuousClock.now
    }

    private var health: [String: Health] = [:]
    /// Published host ports by container id: they do not change while a container runs, so a
    /// reconcile pass need not inspect every container every pass.
    private var hostPorts: [String: Int] = [:]

    /// Start times of running containers by id: a replica is never started again under the
    /// same id (a restart is a new container), so the first inspection's answer holds.
    private var startTimes: [String: Date] = [:]

    func hostPort(_ containerID: String) -> Int? { hostPorts[containerID] }
    func startedAt(_ containerID: String) -> Date? { startTimes[containerID] }
    func setStartedAt(_ containerID: String, _ date: Date) { startTimes[containerID] = date }
    func setHostPort(_ containerID: String, _ port: Int) { hostPorts[containerID] = port }

    func health(_ containerID: String) -> Health? { health[containerID] }

    func markStarted(_ containerID: String) {
        health[containerID] = Health()
        hostPorts[containerID] = nil
        startTimes[containerID] = nil
        listing?.invalidate()
    }

    /// A replica that passed its readiness check (during a rollout, or adopted after a restart)
    /// starts out healthy.
    func markHealthy(_ containerID: String) {
        var record = health[containerID] ?? Health()
        record.healthy = true
        record.consecutiveFailures = 0
        record.lastCheck = .now
        health[containerID] = record
    }

    /// Records a check's outcome; returns the record after it.
    func recordCheck(_ containerID: String, passed: Bool) -> Health {
        var record = health[containerID] ?? Health()
        record.lastCheck = .now
        if passed {
            record.healthy = true
            record.consecutiveFailures = 0
        } else {
            record.consecutiveFailures += 1
        }
        health[containerID] = record
        return record
    }

    /// A stopped container publishes nothing; it may get another port when restarted.
    func markStopped(_ containerID: String) {
        hostPorts[containerID] = nil
        startTimes[containerID] = nil
    }

    func drop(_ containerID: String) {
        health[containerID] = nil
        hostPorts[containerID] = nil
        startTimes[containerID] = nil
        listing?.invalidate()
    }
}
