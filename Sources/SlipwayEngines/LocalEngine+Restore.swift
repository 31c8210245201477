import DockerAPI
import Foundation
import SlipwayCore
import SlipwayRouter

extension LocalEngine {
    public func restore(currentReleases: [Release]) async throws {
        let current = Dictionary(currentReleases.map { ($0.app.value, $0) }, uniquingKeysWith: { first, _ in first })
        let containers = try await docker.listContainers(all: true, labelFilters: labelFilters())
        var backends: [String: [String: [Backend]]] = [:]
        var orphans: [String] = []
        for container in containers {
            guard let replica = ReplicaLabels(container.labels), let release = current[replica.app],
                  release.version == replica.version else {
                orphans.append(container.id)
                continue
            }
            guard container.state == "running", let details = try await docker.inspectContainer(container.id),
                  let hostPort = details.hostPorts[replica.port] else {
                // A stopped replica of the current release: restarting it is the reconciler's work.
                continue
            }
            if await PortProbe.accepts(port: hostPort) {
                backends[replica.app, default: [:]][replica.service, default: []].append(Backend(port: hostPort))
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
            await withTaskGroup(of: Void.self) { group in
                for id in orphans {
                    group.addTask { try? await docker.removeContainer(id, force: true) }
                }
            }
        }
    }
}
