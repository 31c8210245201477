import DockerAPI
import Foundation
import SlipwayCore

/// Named volumes: one engine volume per app and volume name, shared by every release of the
/// app, so its content outlives deploys, rollbacks and restarts. Only `destroy --volumes`
/// removes them.
extension LocalEngine {
    static let volumeLabel = "io.slipway.volume"

    /// The engine's name for an app's volume. The server id keeps servers sharing an engine apart.
    func volumeName(app: String, volume: String) -> String {
        "slipway-\(configuration.serverID.prefix(6))-\(app)-\(volume)"
    }

    /// Makes sure the service's volumes exist (labelled, so `destroy --volumes` can find them)
    /// and returns the binds that mount them.
    func volumeBinds(release: Release, service: ReleasedService) async throws -> [String] {
        var binds: [String] = []
        for (volume, path) in (service.volumes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let name = volumeName(app: release.app.value, volume: volume)
            try await docker.createVolume(name: name, labels: [
                Labels.managedBy: Labels.managedByValue,
                Self.serverLabel: configuration.serverID,
                Labels.name: release.app.value,
                Self.volumeLabel: volume,
            ])
            binds.append("\(name):\(path)")
        }
        return binds
    }

    /// The names of an app's volumes (the engine's names).
    func volumes(of app: AppName) async throws -> [String] {
        try await docker.listVolumes(labelFilters: labelFilters(app: app) + [Self.volumeLabel])
    }

    func removeVolumes(of app: AppName) async throws -> [String] {
        let names = try await volumes(of: app)
        for name in names { try await docker.removeVolume(name) }
        return names
    }

    func keptVolumes(of app: AppName) async -> [String] {
        (try? await volumes(of: app)) ?? []
    }
}
