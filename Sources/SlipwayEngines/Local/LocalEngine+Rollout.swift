import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

extension LocalEngine {
    public var imageSteps: [ImageStep] { [] }

    public var rolloutStages: [StageName] { [.run] }

    public func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> any Rollout {
        guard let lease = await locks.lock(release.app.value) else {
            throw SlipwayError.conflict("\(release.app) is being changed by another operation; try again when it finished")
        }
        await locks.clearDestroyed(release.app.value)
        return LocalRollout(engine: self, release: release, previous: previous, lease: lease, log: log)
    }

    /// Routes traffic to `release` alone; returns the replicas of other releases, which still run.
    func routeOnly(_ release: Release, log: @escaping LogSink) async throws -> [ObservedReplica] {
        let replicas = try await replicas.observe(app: release.app)
        var services: [String: [Backend]] = [:]
        for service in release.services {
            services[service.name] = replicas.filter { $0.version == release.version && $0.service == service.name && $0.running }
                .compactMap(\.backend)
        }
        routes.setRoutes(app: release.app.value, services: services, defaultService: release.defaultService)
        let count = services.values.reduce(0) { $0 + $1.count }
        await log("Routing \(release.app) to \(release.label) (\(count) replica\(count == 1 ? "" : "s"))")
        return replicas.filter { $0.version != release.version }
    }

    /// Stops what is left of releases other than `release` (drained first) and their config files.
    func retireLeftovers(_ leftovers: [ObservedReplica], keeping release: Release) async {
        for replica in leftovers {
            let policy = release.services.first { $0.name == replica.service }?.rolloutPolicy ?? .standard
            await replicas.retire(replica, policy: policy)
        }
        replicas.mounts.removeConfigFiles(app: release.app.value, keep: release.version)
    }
}
