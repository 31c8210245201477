import DockerAPI
import Foundation
import SlipwayCore

/// What replicas and one-off containers of a release mount.
///
/// Named volumes: one engine volume per app and volume name, shared by every release of the
/// app, so its content outlives deploys, rollbacks and restarts; only `destroy --volumes`
/// removes them.
///
/// Config files (`slipway config files`): written once per release under the data directory
/// and bind-mounted read-only, so every replica and one-off container of a release sees the
/// same files, and a new release (new files) never changes what an old replica sees.
struct ReplicaMounts: Sendable {
    let docker: DockerClient
    let labels: ContainerLabels
    /// Where config files are written (under the data directory); nil: none can be mounted.
    let filesDirectory: URL?

    /// The volume and config-file binds of `service` in `release`, making what is missing.
    func binds(release: Release, service: ReleasedService) async throws -> [String] {
        try await volumeBinds(release: release, service: service) + configFileBinds(release: release)
    }

    // MARK: Named volumes

    /// The engine's name for an app's volume (see `EngineNames`). A volume this app made before
    /// the names were unambiguous (`slipway-SERVER-APP-VOLUME`) is found by its labels and kept,
    /// so upgrading never hands an app a new, empty volume.
    func volumeName(app: String, volume: String) async throws -> String {
        let existing = try await docker.listVolumes(labelFilters: labels.filters(app: try DNSLabel(app)) + ["\(ContainerLabels.volume)=\(volume)"])
        return existing.sorted().first ?? labels.names.volume(app: app, volume: volume)
    }

    /// Makes sure the service's volumes exist (labelled, so `destroy --volumes` can find them)
    /// and returns the binds that mount them.
    func volumeBinds(release: Release, service: ReleasedService) async throws -> [String] {
        var binds: [String] = []
        for (volume, path) in (service.volumes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let name = try await volumeName(app: release.app.value, volume: volume)
            var volumeLabels = labels.owned(by: release.app.value)
            volumeLabels[ContainerLabels.volume] = volume
            try await docker.createVolume(name: name, labels: volumeLabels)
            binds.append("\(name):\(path)")
        }
        return binds
    }

    /// The names of an app's volumes (the engine's names).
    func volumes(of app: AppName) async throws -> [String] {
        try await docker.listVolumes(labelFilters: labels.filters(app: app) + [ContainerLabels.volume])
    }

    func removeVolumes(of app: AppName) async throws -> [String] {
        let names = try await volumes(of: app)
        for name in names { try await docker.removeVolume(name) }
        return names
    }

    // MARK: Config files

    /// `<files>/<app>/v<N>/<mount path in hex>/<name>`: hex keeps any mount path one safe directory name.
    func configFilesDirectory(app: String, version: Int? = nil) -> URL? {
        guard let filesDirectory else { return nil }
        let appDirectory = filesDirectory.appendingPathComponent(app)
        return version.map { appDirectory.appendingPathComponent("v\($0)") } ?? appDirectory
    }

    /// Writes the release's config files (if not written yet) and returns the read-only binds.
    func configFileBinds(release: Release) throws -> [String] {
        guard let files = release.files, !files.isEmpty else { return [] }
        guard let directory = configFilesDirectory(app: release.app.value, version: release.version) else {
            throw SlipwayError.internal("config files need the engine's files directory; none is configured")
        }
        var binds: [String] = []
        for mount in files.keys.sorted() {
            let mountDirectory = directory.appendingPathComponent(Data(mount.utf8).map { String(format: "%02x", $0) }.joined())
            try write(files[mount] ?? [:], into: mountDirectory)
            binds.append("\(mountDirectory.path):\(mount):ro")
        }
        return binds
    }

    private func write(_ contents: [String: Data], into directory: URL) throws {
        let fileManager = FileManager.default
        // Written beside, then renamed into place: a replica never sees half the files.
        if fileManager.fileExists(atPath: directory.path) { return }
        let staging = directory.deletingLastPathComponent().appendingPathComponent(".staging-\(UUID().uuidString)")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        for (name, data) in contents {
            // Readable by the app whatever user its image runs as.
            guard fileManager.createFile(atPath: staging.appendingPathComponent(name).path, contents: data,
                                         attributes: [.posixPermissions: 0o644]) else {
                throw SlipwayError.internal("cannot write config file \(name) under \(staging.path)")
            }
        }
        do {
            try fileManager.moveItem(at: staging, to: directory)
        } catch {
            try? fileManager.removeItem(at: staging)
            if !fileManager.fileExists(atPath: directory.path) { throw error }
        }
    }

    /// Removes the written files of every release of `app` but `keep` (none: all of them).
    func removeConfigFiles(app: String, keep: Int? = nil) {
        guard let directory = configFilesDirectory(app: app),
              let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for entry in entries where entry != keep.map({ "v\($0)" }) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(entry))
        }
    }
}
