import Foundation
import SlipwayCore

/// Config files (`slipway config files`): written once per release under the data directory and
/// bind-mounted read-only, so every replica and one-off container of a release sees the same
/// files, and a new release (new files) never changes what an old replica sees.
extension LocalEngine {
    /// `<files>/<app>/v<N>/<mount path in hex>/<name>`: hex keeps any mount path one safe directory name.
    func configFilesDirectory(app: String, version: Int? = nil) -> URL? {
        guard let root = configuration.filesDirectory else { return nil }
        let appDirectory = root.appendingPathComponent(app)
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
