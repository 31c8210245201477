import DockerAPI
import Foundation
import SlipwayCore
import SlipwayRouter

extension LocalEngine {
    public func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws {
        guard await supervision.acquire(release.app.value) else {
            throw SlipwayError.conflict("\(release.app) is being changed by another operation; try again when it finished")
        }
        do {
            try await RollingUpdate(engine: self, release: release, previous: previous, log: log).run()
        } catch {
            await supervision.end(release.app.value)
            throw error
        }
    }

    public func completeRollout(_ release: Release, previous: Release?, log: @escaping LogSink) async throws {
        do {
            try await routeOnly(release, log: log)
        } catch {
            await supervision.end(release.app.value)
            throw error
        }
        await supervision.end(release.app.value)
    }

    private func routeOnly(_ release: Release, log: @escaping LogSink) async throws {
        let app = release.app.value
        let replicas = try await observe(app: release.app)
        var services: [String: [Backend]] = [:]
        for service in release.services {
            services[service.name] = replicas.filter { $0.version == release.version && $0.service == service.name && $0.running }
                .compactMap(\.backend)
        }
        routes.setRoutes(app: app, services: services, defaultService: release.defaultService)
        await supervision.setCurrent(release)
        let leftovers = replicas.filter { $0.version != release.version }
        for replica in leftovers {
            let policy = release.services.first { $0.name == replica.service }?.rolloutPolicy ?? .standard
            await retire(replica, policy: policy)
        }
        removeConfigFiles(app: app, keep: release.version)
        let count = services.values.reduce(0) { $0 + $1.count }
        await log("Routing \(release.app) to \(release.label) (\(count) replica\(count == 1 ? "" : "s"))")
    }

    public func undoRollout(_ release: Release, previous: Release?, log: @escaping LogSink) async {
        await supervision.end(release.app.value)
        guard let previous else {
            try? await destroy(app: release.app)
            return
        }
        do {
            try await rollOut(previous, previous: release, log: log)
            try await completeRollout(previous, previous: nil, log: log)
        } catch {
            logger.error("could not put the previous release back", metadata: ["app.name": "\(release.app)", "error": "\(error)"])
        }
    }
}
