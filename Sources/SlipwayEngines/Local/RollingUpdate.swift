import DockerAPI
import Foundation
import SlipwayCore
import SlipwayRouter

/// One rolling update of an app to a new release on the local engine, service by service.
/// With `maxSurge` s > 0: start s new replicas, wait until they are healthy, add them to the
/// rotation, then retire as many old ones; repeat. With s = 0: retire `maxUnavailable` old ones
/// first, then start their replacements. The router's view of the app is kept here and pushed
/// after every change, so the count of ready replicas stays within the policy throughout.
/// On failure `rollBack` recreates the old replicas it retired, then removes the new ones.
final class RollingUpdate {
    let replicas: Replicas
    let routes: RouteTable
    let release: Release
    let previous: Release?
    let log: LogSink
    private var serving: [String: [Backend]] = [:]
    private var defaultService: String?
    /// New containers created so far (ready or not): removed on rollback.
    private var created: [ObservedReplica] = []
    private var createdIDs: [String] = []
    /// Old replicas retired so far: recreated from `previous` on rollback.
    private var retired: [ObservedReplica] = []

    init(replicas: Replicas, routes: RouteTable, release: Release, previous: Release?, log: @escaping LogSink) {
        self.replicas = replicas
        self.routes = routes
        self.release = release
        self.previous = previous
        self.log = log
    }

    var app: String { release.app.value }

    func run() async throws {
        let old = try await replicas.observe(app: release.app).filter { $0.version != release.version }
        let names = Set(release.services.map(\.name) + old.map(\.service))
        for name in names { serving[name] = routes.backends(app: app, service: name) }
        defaultService = previous?.defaultService ?? release.defaultService
        do {
            // Dependencies first: a service starts only once those it depends on are ready.
            for service in release.servicesInStartOrder {
                let oldOfService = old.filter { $0.service == service.name && $0.running }.sorted { $0.index < $1.index }
                try await roll(service, replacing: oldOfService)
            }
        } catch {
            await log("Rollout of \(release.label) failed; rolling back to \(previous?.label ?? "nothing")")
            await rollBack()
            throw error
        }
    }

    private func roll(_ service: ReleasedService, replacing old: [ObservedReplica]) async throws {
        var oldLeft = old
        let policy = service.rolloutPolicy
        let desired = service.replicas
        if desired > 0 {
            let order = policy.maxSurge == 0
                ? "stop-then-start" + (service.volumes?.isEmpty == false ? " because it has a volume" : "")
                : "maxSurge \(policy.maxSurge), maxUnavailable \(policy.maxUnavailable)"
            await log("Rolling \(service.name): \(oldLeft.count) → \(desired) replicas (\(order))")
            if let dependencies = service.dependsOn, !dependencies.isEmpty {
                await log("\(service.name) starts after \(dependencies.joined(separator: ", ")) (dependsOn)")
            }
        }
        var ready = 0
        while ready < desired {
            if policy.maxSurge == 0 {
                // Stop-then-start: never more replicas than desired (e.g. a service with a volume).
                let batch = min(max(policy.maxUnavailable, 1), desired - ready)
                for _ in 0..<min(batch, oldLeft.count) { await retire(oldLeft.removeFirst(), policy: policy) }
                try await startBatch(service, indices: (ready + 1)...(ready + batch))
                ready += batch
            } else {
                let batch = min(policy.maxSurge, desired - ready)
                try await startBatch(service, indices: (ready + 1)...(ready + batch))
                ready += batch
                for _ in 0..<min(batch, oldLeft.count) { await retire(oldLeft.removeFirst(), policy: policy) }
            }
        }
        for replica in oldLeft { await retire(replica, policy: policy) }
    }

    /// Starts replicas `indices` of `service`, waits until they are healthy, checks the ones started
    /// earlier are still up (a crash during the rollout fails it), and adds them to the rotation.
    private func startBatch(_ service: ReleasedService, indices: ClosedRange<Int>) async throws {
        var ids: [String] = []
        for index in indices {
            let id = try await replicas.start(release: release, service: service, index: index)
            ids.append(id)
            createdIDs.append(id)
            await log("Started \(service.name).\(index) of \(release.label) (\(id.prefix(12)))")
        }
        let ready = try await replicas.waitUntilReady(ids, release: release, log: log)
        try await checkStillRunning()
        created += ready
        serving[service.name, default: []] += ready.compactMap(\.backend)
        push()
    }

    private func checkStillRunning() async throws {
        for replica in created {
            guard let details = try await replicas.docker.inspectContainer(replica.containerID), details.state.running else {
                throw SlipwayError.engine("\(replica.service).\(replica.index) of \(release.label) crashed during the rollout"
                                          + (await replicas.logTail(replica.containerID, lines: 50)))
            }
        }
    }

    private func retire(_ replica: ObservedReplica, policy: RolloutPolicy) async {
        if let backend = replica.backend { serving[replica.service]?.removeAll { $0 == backend } }
        push()
        await replicas.retire(replica, policy: policy)
        retired.append(replica)
        await log("Stopped \(replica.service).\(replica.index) of v\(replica.version)")
    }

    private func push() {
        routes.setRoutes(app: app, services: serving, defaultService: defaultService)
    }

    /// Puts back what was retired (from the previous release's images), then removes every new replica.
    private func rollBack() async {
        if let previous, !retired.isEmpty {
            var restored: [String] = []
            for replica in retired {
                guard let service = previous.services.first(where: { $0.name == replica.service }) else { continue }
                if let id = try? await replicas.start(release: previous, service: service, index: replica.index) {
                    restored.append(id)
                }
            }
            if let back = try? await replicas.waitUntilReady(restored, release: previous, log: log) {
                for replica in back { serving[replica.service, default: []].append(contentsOf: replica.backend.map { [$0] } ?? []) }
                push()
            }
        }
        let newBackends = Set(created.compactMap(\.backend))
        for name in serving.keys { serving[name]?.removeAll { newBackends.contains($0) } }
        push()
        if let router = replicas.router, !newBackends.isEmpty {
            _ = await router.waitUntilDrained(Array(newBackends), timeout: .seconds(10))
        }
        await replicas.remove(createdIDs)
    }
}
