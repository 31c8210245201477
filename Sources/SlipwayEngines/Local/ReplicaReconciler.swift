import DockerAPI
import Foundation
import Synchronization
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
    let addons: LocalAddons
    let records: ReplicaRecords
    let backoff: CrashBackoff
    let routes: RouteTable
    let releases: any CurrentReleases
    let locks: AppLocks
    /// Each full pass's listing goes here (the log collector resyncs from it).
    let listings: Broadcast<[ContainerSummary]>
    /// Given each full pass's listing too: the API's replica views use it when it is fresh.
    let shared: SharedListing
    let report: @Sendable (AppEvent) -> Void
    let logger: Logger

    /// A full pass (every container listed) at least this often, besides the engine's events.
    static let resyncInterval: Duration = .seconds(15)
    /// How often due health checks run and apps that are not settled are looked at again.
    static let tick: Duration = .milliseconds(250)

    /// Until cancelled: a full pass at once when the engine reports a replica died, was
    /// OOM-killed or was removed, when a rollout or destroy ended, and every `resyncInterval`;
    /// between them, every `tick`, the health checks that are due (each service's interval) and
    /// another look at the apps that are not settled (starting, crashed, failing checks).
    /// Settled apps cost no listing between full passes.
    func supervise() async {
        let fullPassWanted = FullPassRequest()
        let (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                // Subscribes again if the stream ends (e.g. the engine restarted).
                while !Task.isCancelled {
                    do {
                        let events = docker.events(filters: ["type": ["container"], "label": labels.eventFilter, "event": ["die", "oom", "remove"]])
                        for try await event in events where labels.owns(event.attributes) {
                            logger.debug("engine event", metadata: ["event": "\(event.action) \(event.attributes["name"] ?? event.actorID)"])
                            shared.invalidate()
                            fullPassWanted.set()
                            wakeup.yield()
                        }
                    } catch {
                        logger.debug("engine event stream ended", metadata: ["error": "\(error)"])
                    }
                    fullPassWanted.set()  // events may have been missed meanwhile
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.tick)
                    wakeup.yield()
                }
                wakeup.finish()
            }
            var view = ReconcileView()
            for await _ in wakeups {
                if Task.isCancelled { break }
                let generations = await locks.allGenerations()
                if fullPassWanted.take() || ContinuousClock.now >= view.nextFullPass || generations != view.generations {
                    view = await fullPass()
                } else {
                    await tick(&view)
                }
            }
            group.cancelAll()
        }
    }

    /// What the last passes saw: enough for the health checks between full passes.
    struct ReconcileView {
        var current: [String: Release] = [:]
        /// Replicas of the apps that were settled when last looked at.
        var settled: [String: [ObservedReplica]] = [:]
        /// Apps looked at again every tick until they settle.
        var unsettled: Set<String> = []
        /// Each app's lock generation when last looked at: another means a rollout or destroy ended.
        var generations: [String: Int] = [:]
        var nextFullPass = ContinuousClock.now
    }

    /// Every app that has containers or a current release, from one listing (shared with the log collector).
    func fullPass() async -> ReconcileView {
        var view = ReconcileView()
        // Generations first: an app changed by a rollout or destroy after them is listed again
        // (and its current release read again).
        let generations = await locks.allGenerations()
        view.generations = generations
        let listed: [ContainerSummary]
        var current: [String: Release]
        var listingGeneration = 0
        do {
            current = try currentReleaseByApp()
            listingGeneration = shared.generation
            listed = try await docker.listContainers(all: true, labelFilters: labels.filters())
        } catch {
            logger.warning("reconcile: cannot list containers or read the current releases", metadata: ["error": "\(error)"])
            return view  // due again at the next tick
        }
        view.nextFullPass = .now + Self.resyncInterval
        await listings.publish(listed)
        shared.offer(listed, takenAt: listingGeneration)
        let byApp = Dictionary(grouping: listed) { $0.labels[Labels.name] ?? "" }
        let apps = Set(byApp.keys.filter { !$0.isEmpty }).union(current.keys)
        for app in apps.sorted() {
            // An app a rollout or destroy holds is looked at again once it ends (its generation moves).
            guard let lease = await locks.tryLock(app) else { continue }
            do {
                let fresh = await locks.generation(app) == generations[app, default: 0]
                if !fresh { current = try currentReleaseByApp() }
                let containers = fresh ? byApp[app] ?? []
                    : try await docker.listContainers(all: true, labelFilters: labels.filters(app: try DNSLabel(app)))
                try await look(at: app, observed: try await replicas.observe(containers), current: current, into: &view)
                if !(await locks.isDestroyed(app)) { await addons.reconcile(app: app, containers: containers, backoff: backoff) }
            } catch {
                logger.warning("reconcile failed", metadata: ["app.name": "\(app)", "error": "\(error)"])
                view.unsettled.insert(app)
            }
            view.generations[app] = await locks.unlock(lease)
        }
        view.current = current
        return view
    }

    /// Between full passes: apps not settled get another look (their own listing); settled
    /// ones only the health checks that are due, and one that fails unsettles its app.
    func tick(_ view: inout ReconcileView) async {
        for app in view.unsettled.sorted() {
            guard let lease = await locks.tryLock(app) else { continue }
            do {
                view.current = try currentReleaseByApp()
                let generation = shared.generation
                let containers = try await docker.listContainers(all: true, labelFilters: labels.filters(app: try DNSLabel(app)))
                // The shared listing follows apps that are not settled (crashing, starting) at every tick.
                shared.offer(containers, of: app, takenAt: generation)
                try await look(at: app, observed: try await replicas.observe(containers), current: view.current, into: &view)
            } catch {
                logger.warning("reconcile failed", metadata: ["app.name": "\(app)", "error": "\(error)"])
            }
            view.generations[app] = await locks.unlock(lease)
        }
        for (app, observed) in view.settled {
            guard let release = view.current[app] else { continue }
            for replica in observed where replica.running && replica.version == release.version {
                guard let port = replica.hostPort, let check = release.services.first(where: { $0.name == replica.service })?.healthCheck,
                      Self.isDue(await records.health(replica.containerID) ?? ReplicaRecords.Health(), check) else { continue }
                let record = await probe(replica, port: port, check: check)
                if !record.healthy || record.consecutiveFailures > 0 {
                    view.settled[app] = nil
                    view.unsettled.insert(app)
                    break
                }
            }
        }
    }

    /// Reconciles one app (its lock held) and files it as settled or not.
    private func look(at app: String, observed: [ObservedReplica], current: [String: Release], into view: inout ReconcileView) async throws {
        view.settled[app] = nil
        view.unsettled.remove(app)
        if let release = current[app], !(await locks.isDestroyed(app)) {
            if await reconcile(release, observed: observed) {
                view.settled[app] = observed
            } else {
                view.unsettled.insert(app)
            }
        } else if !observed.isEmpty {
            // No current release: whatever runs is left over (e.g. from a deploy cut off by a crash).
            await replicas.remove(observed.map(\.containerID))
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

/// Set by whoever wants a full pass (an engine event); taken by the reconcile loop.
final class FullPassRequest: Sendable {
    private let wanted = Mutex(true)
    func set() { wanted.withLock { $0 = true } }
    func take() -> Bool { wanted.withLock { wanted in defer { wanted = false }; return wanted } }
}
