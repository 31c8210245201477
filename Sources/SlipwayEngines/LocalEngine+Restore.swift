import DockerAPI
import Foundation
import SlipwayCore
import SlipwayRouter

extension LocalEngine {
    public func restore() async throws {
        let currentReleases = try releases.currentReleases()
        let current = Dictionary(currentReleases.map { ($0.app.value, $0) }, uniquingKeysWith: { first, _ in first })
        var backends: [String: [String: [Backend]]] = [:]
        var orphans: [String] = []
        for replica in try await observe() {
            guard let release = current[replica.app], release.version == replica.version else {
                orphans.append(replica.containerID)
                continue
            }
            // Stopped replicas of the current release are the reconciler's to restart.
            guard replica.running, let backend = replica.backend else { continue }
            let check = release.services.first { $0.name == replica.service }?.healthCheck ?? .tcp
            if await HealthProbe.passes(check, port: backend.port) {
                backends[replica.app, default: [:]][replica.service, default: []].append(backend)
                await supervision.markHealthy(replica.containerID)
            }
        }
        for release in currentReleases {
            var services = backends[release.app.value] ?? [:]
            for service in release.services where services[service.name] == nil { services[service.name] = [] }
            routes.setRoutes(app: release.app.value, services: services, defaultService: release.defaultService)
            let count = services.values.reduce(0) { $0 + $1.count }
            logger.info("adopted app", metadata: ["app.name": "\(release.app)", "release": "\(release.label)", "replicas": "\(count)"])
        }
        await removeOneOffLeftovers()
        if !orphans.isEmpty {
            logger.info("removing containers of no current release", metadata: ["count": "\(orphans.count)"])
            await removeContainers(orphans)
        }
    }
}
