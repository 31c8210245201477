import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

/// What a pass does for one app with a current release: replace, restart, health-check, route.
extension ReplicaReconciler {
    /// Returns whether the app is settled: nothing had to change, and every replica runs and
    /// (if routed) passed its last health check. An app that is not is looked at every tick.
    func reconcile(_ release: Release, observed: [ObservedReplica]) async -> Bool {
        let app = release.app.value
        let orphans = observed.filter { $0.version != release.version }
        var settled = orphans.isEmpty
        if !orphans.isEmpty {
            logger.info("removing replicas of no current release", metadata: ["app.name": "\(app)", "count": "\(orphans.count)"])
            await replicas.remove(orphans.map(\.containerID))
        }
        var services: [String: [Backend]] = [:]
        for service in release.services {
            var inRotation: [Backend] = []
            let mine = observed.filter { $0.version == release.version && $0.service == service.name }
            for index in service.replicas > 0 ? Array(1...service.replicas) : [] {
                let slot = CrashBackoff.slotKey(app: app, service: service.name, index: index)
                guard let replica = mine.first(where: { $0.index == index }) else {
                    await replace(slot: slot, release: release, service: service, index: index)
                    settled = false
                    continue
                }
                if !replica.running {
                    await restartCrashed(replica, release: release, service: service, slot: slot)
                    settled = false
                } else if let backend = replica.backend {
                    if await checkHealth(replica, service: service, release: release, slot: slot) { inRotation.append(backend) }
                    let record = await records.health(replica.containerID)
                    if !(record?.healthy ?? false) || (record?.consecutiveFailures ?? 0) > 0 { settled = false }
                }
            }
            // Replicas beyond the desired count (the formation shrank).
            for extra in mine where extra.index > service.replicas {
                await replicas.retire(extra, policy: service.rolloutPolicy)
                settled = false
            }
            services[service.name] = inRotation
        }
        routes.setRoutes(app: app, services: services, defaultService: release.defaultService)
        return settled
    }

    /// A replica removed from outside the engine: start a new one in its slot.
    private func replace(slot: String, release: Release, service: ReleasedService, index: Int) async {
        guard await backoff.claimRestart(slot) else { return }
        do {
            let id = try await replicas.start(release: release, service: service, index: index)
            report(AppEvent(app: release.app.value, kind: .replicaRestarted,
                            message: "\(service.name).\(index) was removed from outside; replaced",
                            release: release.version, replica: "\(service.name).\(index)"))
            logger.info("replaced a missing replica", metadata: ["app.name": "\(release.app)", "replica": "\(service.name).\(index)",
                                                                 "container.id": "\(id.prefix(12))"])
        } catch {
            logger.warning("could not replace a replica", metadata: ["app.name": "\(release.app)", "error": "\(error)"])
        }
    }

    /// A crashed replica is replaced by a fresh container, at once the first time, then with
    /// exponential backoff. A fresh container (new host port) rather than a restart in place: the
    /// engine's port forwarding to a dead container's old address lingers in connection tracking,
    /// and a restarted container gets a new address behind the same port.
    private func restartCrashed(_ replica: ObservedReplica, release: Release, service: ReleasedService, slot: String) async {
        guard await backoff.claimRestart(slot) else { return }
        let history = await backoff.history(slot)
        let name = "\(replica.service).\(replica.index)"
        if let state = try? await docker.inspectContainer(replica.containerID)?.state {
            report(AppEvent(app: replica.app, kind: state.oomKilled ? .replicaOOMKilled : .replicaCrashed,
                            message: "\(name) exited with code \(state.exitCode)" + replicas.policy.killReason(state, service.resources),
                            release: replica.version, replica: name))
        }
        do {
            try await docker.removeContainer(replica.containerID, force: true)
            await records.drop(replica.containerID)
            _ = try await replicas.start(release: release, service: service, index: replica.index)
            report(AppEvent(app: replica.app, kind: .replicaRestarted,
                            message: "\(name) restarted after a crash (restart \(history.restarts))",
                            release: replica.version, replica: name))
            logger.info("restarted a crashed replica", metadata: [
                "app.name": "\(replica.app)", "replica": "\(replica.service).\(replica.index)", "restarts": "\(history.restarts)",
            ])
        } catch {
            logger.warning("could not restart a replica", metadata: ["container.id": "\(replica.containerID)", "error": "\(error)"])
        }
    }

    /// Runs the service's health check when it is due. Returns whether the replica belongs in rotation.
    /// A replica that was healthy and fails `threshold` checks in a row is replaced by a fresh container
    /// from the release's image (as Kubernetes restarts a container); so is one that never passed once
    /// its start period is over.
    private func checkHealth(_ replica: ObservedReplica, service: ReleasedService, release: Release, slot: String) async -> Bool {
        let check = service.healthCheck
        var record = await records.health(replica.containerID) ?? ReplicaRecords.Health()
        if Self.isDue(record, check), let port = replica.hostPort {
            record = await probe(replica, port: port, check: check)
        }
        let failing = record.consecutiveFailures >= check.threshold
        let pastStart = ContinuousClock.now - record.startedAt > .milliseconds(Int64(check.startPeriodSeconds * 1000))
        if failing && (record.healthy || pastStart) {
            logger.warning("replica failed its health checks; restarting", metadata: [
                "app.name": "\(replica.app)", "replica": "\(replica.service).\(replica.index)",
                "failures": "\(record.consecutiveFailures)",
            ])
            if let backend = replica.backend { routes.removeBackend(backend, app: replica.app) }
            guard await backoff.claimRestart(slot) else { return false }
            let name = "\(replica.service).\(replica.index)"
            report(AppEvent(app: replica.app, kind: .replicaUnhealthy,
                            message: "\(name) failed \(record.consecutiveFailures) health checks in a row; replacing it",
                            release: replica.version, replica: name))
            await replicas.retire(replica, policy: RolloutPolicy(drainSeconds: 0, stopGraceSeconds: service.rolloutPolicy.stopGraceSeconds))
            _ = try? await replicas.start(release: release, service: service, index: replica.index)
            return false
        }
        return record.healthy && !failing
    }

    /// Whether a replica's health check is due: at the service's interval, and on every look
    /// while it is not healthy yet (so it joins the rotation as soon as it can).
    static func isDue(_ record: ReplicaRecords.Health, _ check: HealthCheck) -> Bool {
        !record.healthy || (record.lastCheck.map { ContinuousClock.now - $0 >= .milliseconds(Int64(check.intervalSeconds * 1000)) } ?? true)
    }

    /// Runs the check once and records it; reports a replica that became ready.
    func probe(_ replica: ObservedReplica, port: Int, check: HealthCheck) async -> ReplicaRecords.Health {
        let wasHealthy = await records.health(replica.containerID)?.healthy ?? false
        let record = await records.recordCheck(replica.containerID, passed: await HealthProbe.passes(check, port: port))
        if !wasHealthy && record.healthy {
            report(AppEvent(app: replica.app, kind: .replicaReady,
                            message: "\(replica.service).\(replica.index) ready on 127.0.0.1:\(port)",
                            release: replica.version, replica: "\(replica.service).\(replica.index)"))
        }
        return record
    }
}
