import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

/// Keeps what runs on the local engine equal to the current releases: restarts crashed
/// replicas (with backoff), replaces missing ones, health-checks running ones and takes failing
/// ones out of rotation, removes containers of no current release, and after a server start
/// adopts what still runs. An app whose lock someone else holds is left alone for the pass.
struct ReplicaReconciler: Sendable {
    let docker: DockerClient
    let labels: ContainerLabels
    let replicas: Replicas
    let records: ReplicaRecords
    let backoff: CrashBackoff
    let routes: RouteTable
    let releases: any CurrentReleases
    let locks: AppLocks
    let report: @Sendable (AppEvent) -> Void
    let logger: Logger

    /// A reconcile pass every 250 ms, and at once when the engine reports a replica died, was
    /// OOM-killed or was removed; until cancelled.
    func supervise() async {
        let (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                // Subscribes again if the stream ends (e.g. the engine restarted).
                while !Task.isCancelled {
                    do {
                        // A replica died, was killed by the OOM killer, or was removed from outside.
                        let events = docker.events(filters: ["type": ["container"], "label": labels.filters(), "event": ["die", "oom", "remove"]])
                        for try await event in events {
                            logger.debug("engine event", metadata: ["event": "\(event.action) \(event.attributes["name"] ?? event.actorID)"])
                            wakeup.yield()
                        }
                    } catch {
                        logger.debug("engine event stream ended", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    wakeup.yield()
                }
                wakeup.finish()
            }
            for await _ in wakeups {
                if Task.isCancelled { break }
                await reconcile()
            }
            group.cancelAll()
        }
    }

    /// One reconcile pass over every app that has containers or a current release.
    func reconcile() async {
        // One listing per pass; an app changed by a rollout or destroy since then is listed again
        // (and its current release read again). Generations first: a change after them shows.
        let generations = await locks.allGenerations()
        let listed: [ContainerSummary]
        var current: [String: Release]
        do {
            current = try currentReleaseByApp()
            listed = try await docker.listContainers(all: true, labelFilters: labels.filters())
        } catch {
            logger.warning("reconcile: cannot list containers or read the current releases", metadata: ["error": "\(error)"])
            return
        }
        let byApp = Dictionary(grouping: listed) { $0.labels[Labels.name] ?? "" }
        let apps = Set(byApp.keys.filter { !$0.isEmpty }).union(current.keys)
        for app in apps.sorted() {
            guard let lease = await locks.tryLock(app) else { continue }
            do {
                let name = try DNSLabel(app)
                let fresh = await locks.generation(app) == generations[app, default: 0]
                // A rollout committed since the pass began: its release is current now.
                if !fresh { current = try currentReleaseByApp() }
                let observed = fresh ? try await replicas.observe(byApp[app] ?? []) : try await replicas.observe(app: name)
                if let release = current[app], !(await locks.isDestroyed(app)) {
                    await reconcile(release, observed: observed)
                } else {
                    // No current release: whatever runs is left over (e.g. from a deploy cut off by a crash).
                    await replicas.remove(observed.map(\.containerID))
                }
            } catch {
                logger.warning("reconcile failed", metadata: ["app.name": "\(app)", "error": "\(error)"])
            }
            await locks.unlock(lease)
        }
    }

    func currentReleaseByApp() throws -> [String: Release] {
        Dictionary(try releases.currentReleases().map { ($0.app.value, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// After a server start: adopts the replicas of the current releases that answer their
    /// health check, routes them, and removes containers of no current release.
    func restore() async throws {
        let currentReleases = try releases.currentReleases()
        let current = Dictionary(currentReleases.map { ($0.app.value, $0) }, uniquingKeysWith: { first, _ in first })
        var backends: [String: [String: [Backend]]] = [:]
        var orphans: [String] = []
        for replica in try await replicas.observe() {
            guard let release = current[replica.app], release.version == replica.version else {
                orphans.append(replica.containerID)
                continue
            }
            // Stopped replicas of the current release are the reconciler's to restart.
            guard replica.running, let backend = replica.backend else { continue }
            let check = release.services.first { $0.name == replica.service }?.healthCheck ?? .tcp
            if await HealthProbe.passes(check, port: backend.port) {
                backends[replica.app, default: [:]][replica.service, default: []].append(backend)
                await records.markHealthy(replica.containerID)
            }
        }
        for release in currentReleases {
            var services = backends[release.app.value] ?? [:]
            for service in release.services where services[service.name] == nil { services[service.name] = [] }
            routes.setRoutes(app: release.app.value, services: services, defaultService: release.defaultService)
            let count = services.values.reduce(0) { $0 + $1.count }
            logger.info("adopted app", metadata: ["app.name": "\(release.app)", "release": "\(release.label)", "replicas": "\(count)"])
        }
        if !orphans.isEmpty {
            logger.info("removing containers of no current release", metadata: ["count": "\(orphans.count)"])
            await replicas.remove(orphans)
        }
    }
}
