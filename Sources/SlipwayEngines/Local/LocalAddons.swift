import DockerAPI
import Foundation
import Logging
import SlipwayCore

/// Add-ons on the local engine: one container each (the add-on's image, its generated
/// credentials, a named data volume) on the app's private network, where the app's processes
/// reach it as `addon.host`. Never routed, never published on the host. They carry
/// `io.slipway.addon` instead of replica labels, so the replica reconciler leaves them to
/// `reconcile` here, which keeps them equal to the add-ons the store names.
struct LocalAddons: Sendable {
    let docker: DockerClient
    let labels: ContainerLabels
    let networks: AppNetworks
    let policy: ContainerPolicy
    let desired: any DesiredAddons
    let report: @Sendable (AppEvent) -> Void
    let logger: Logger

    /// How long a new add-on may take to accept connections (a first Postgres start initializes its data).
    static let readyTimeout: Duration = .seconds(90)

    func containerName(_ addon: AddonSpec) -> String { labels.names.addon(app: addon.app.value, addon: addon.name.value) }

    func volumeName(_ addon: AddonSpec) -> String {
        labels.names.addonVolume(app: addon.app.value, addon: addon.name.value, id: addon.volumeID)
    }

    /// Creates (or replaces) the add-on's container and, if asked, waits until it accepts connections.
    func start(_ addon: AddonSpec, waitUntilReady wait: Bool = true) async throws {
        let volume = volumeName(addon)
        var volumeLabels = labels.owned(by: addon.app.value)
        volumeLabels[ContainerLabels.volume] = "addon.\(addon.name)"
        volumeLabels[ContainerLabels.addon] = addon.name.value
        try await docker.createVolume(name: volume, labels: volumeLabels)
        var containerLabels = labels.owned(by: addon.app.value)
        containerLabels[ContainerLabels.addon] = addon.name.value
        containerLabels[Labels.component] = "addon-\(addon.kind.rawValue)"
        containerLabels[ContainerLabels.addonCredentials] = "file"
        var spec = ContainerSpec(image: addon.image, command: addon.command, environment: addon.environment, labels: containerLabels,
                                 useInit: true, stopTimeoutSeconds: 30, binds: ["\(volume):\(addon.kind.dataPath)"],
                                 limits: policy.limits(for: nil))
        spec.network = try await networks.ensure(app: addon.app.value)
        spec.networkAliases = [addon.host]
        let name = containerName(addon)
        try? await docker.removeContainer(name, force: true)
        let id: String
        do {
            id = try await docker.createContainer(name: name, spec: spec)
        } catch let error as DockerAPIError where error.isNotFound {
            throw SlipwayError(code: "addon_image_missing",
                               message: "the image \(addon.image) for \(addon.kind.rawValue) \(addon.version) is not on this engine and cannot be pulled (\(error.message)); build it (scripts/setup.sh makes localhost/slipway-addon-\(addon.kind.rawValue):\(addon.kind.defaultVersion)) or start the server with --addon-image \(addon.kind.rawValue)=IMAGE",
                               httpStatus: 502)
        }
        do {
            try await writeSecretFile(addon.secretFile, into: id, docker: docker)
            try await docker.startContainer(id)
        } catch {
            try? await docker.removeContainer(id, force: true)
            throw error
        }
        if wait { try await waitUntilReady(id, addon) }
    }

    /// Whether a running add-on container was made by an older Slipway, its password in its
    /// environment or on its command line (`inspect` shows both): it is made again.
    static func carriesPasswordInConfiguration(_ container: ContainerSummary) -> Bool {
        container.labels[ContainerLabels.addonCredentials] != "file"
    }

    /// Follows the add-on's output until it says it accepts connections. The official Postgres
    /// image starts a temporary server to initialize the data first: its ready line does not count.
    private func waitUntilReady(_ id: String, _ addon: AddonSpec) async throws {
        let ready = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                var temporaryServer = false
                for try await line in docker.logs(id, follow: true, tail: nil, timestamps: false) {
                    if line.text.contains("waiting for server to start") { temporaryServer = true }
                    if line.text.contains("server stopped") { temporaryServer = false }
                    if line.text.contains(addon.kind.readyLine) && !temporaryServer { return true }
                }
                return false  // it exited
            }
            group.addTask {
                try await Task.sleep(for: Self.readyTimeout)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard ready else {
            let tail = await lastLines(id)
            throw SlipwayError.engine("\(addon.kind.rawValue) add-on \(addon.name) of \(addon.app) did not start accepting connections\(tail)")
        }
    }

    private func lastLines(_ id: String) async -> String {
        var lines: [String] = []
        do {
            for try await line in docker.logs(id, follow: false, tail: 20, timestamps: false) { lines.append(line.text) }
        } catch {}
        return lines.isEmpty ? "" : ":\n" + lines.joined(separator: "\n")
    }

    /// The app's add-on containers as the engine has them, by add-on name.
    func status(app: AppName) async throws -> [String: AddonStatus] {
        let containers = try await docker.listContainers(all: true, labelFilters: labels.filters(app: app) + [ContainerLabels.addon])
        var statuses: [String: AddonStatus] = [:]
        for addon in try desired.addons().filter({ $0.app == app }) {
            let container = containers.first { $0.labels[ContainerLabels.addon] == addon.name.value }
            let volume = volumeName(addon)
            let mountpoint = try? await docker.volumeMountpoint(volume)
            statuses[addon.name.value] = AddonStatus(state: container?.state ?? "missing", volume: mountpoint == nil ? nil : volume,
                                                     sizeBytes: mountpoint.flatMap(Self.diskUsage))
        }
        return statuses
    }

    /// Bytes the files under `path` take (what `du` would count as their sizes), nil if unreadable.
    static func diskUsage(_ path: String) -> Int64? {
        guard let files = FileManager.default.enumerator(at: URL(fileURLWithPath: path), includingPropertiesForKeys: [.fileSizeKey]) else {
            return nil
        }
        var total: Int64 = 0
        for case let url as URL in files {
            total += Int64((try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
        }
        return total
    }

    /// Stops and removes the add-on's container; its volume too when asked.
    func remove(_ addon: AddonSpec, removingVolume: Bool) async throws -> DestroyedVolumes {
        let name = containerName(addon)
        try? await docker.stopContainer(name, timeoutSeconds: 30)
        try await docker.removeContainer(name, force: true)
        let volume = volumeName(addon)
        guard (try await docker.volumeMountpoint(volume)) != nil else { return DestroyedVolumes(removed: [], kept: []) }
        if removingVolume {
            try await docker.removeVolume(volume)
            return DestroyedVolumes(removed: [volume], kept: [])
        }
        return DestroyedVolumes(removed: [], kept: [volume])
    }

    /// Removes every add-on container of the app (a destroy; the volumes are the caller's).
    func removeAll(app: AppName) async {
        let containers = (try? await docker.listContainers(all: true, labelFilters: labels.filters(app: app) + [ContainerLabels.addon])) ?? []
        await withTaskGroup(of: Void.self) { group in
            for container in containers {
                group.addTask {
                    try? await docker.stopContainer(container.id, timeoutSeconds: 30)
                    try? await docker.removeContainer(container.id, force: true)
                }
            }
        }
    }

    /// One app's add-ons against the store (its lock held): a missing or exited add-on is started
    /// again (same volume, same credentials), one the store no longer names is removed.
    func reconcile(app: String, containers: [ContainerSummary], backoff: CrashBackoff) async {
        let wanted = ((try? desired.addons()) ?? []).filter { $0.app.value == app }
        let mine = containers.filter { $0.labels[ContainerLabels.addon] != nil }
        for container in mine where !wanted.contains(where: { $0.name.value == container.labels[ContainerLabels.addon] }) {
            try? await docker.removeContainer(container.id, force: true)
        }
        for addon in wanted {
            let container = mine.first { $0.labels[ContainerLabels.addon] == addon.name.value }
            let outdated = container.map(Self.carriesPasswordInConfiguration) ?? false
            if container?.state == "running" && !outdated { continue }
            let slot = CrashBackoff.slotKey(app: app, service: "addon-\(addon.name)", index: 1)
            guard await backoff.claimRestart(slot) else { continue }
            let what = switch container {
            case nil: "was removed from outside; started again"
            case let container? where container.state == "running":
                "was made by an older Slipway with its password in its configuration; made again with the password in a file"
            case let container?: "exited (\(container.state)); started again"
            }
            do {
                try await start(addon, waitUntilReady: false)
                report(AppEvent(app: app, kind: .replicaRestarted, message: "add-on \(addon.name) \(what)", replica: "addon.\(addon.name)"))
                logger.info("restarted an add-on", metadata: ["app.name": "\(app)", "addon": "\(addon.name)"])
            } catch {
                logger.warning("could not restart an add-on", metadata: ["app.name": "\(app)", "addon": "\(addon.name)", "error": "\(error)"])
            }
        }
    }
}

/// Writes a secret file into a created container before it starts, owned by the user the file
/// names as the container's /etc/passwd has it (root if it has no such user), mode 0600.
func writeSecretFile(_ file: AddonSecretFile, into id: String, docker: DockerClient) async throws {
    var owner = FileOwner.root
    if let user = file.owner, let passwd = try await docker.readFile(from: id, path: "/etc/passwd"),
       let found = FileOwner.named(user, passwd: String(decoding: passwd, as: UTF8.self)) {
        owner = found
    }
    try await docker.copyFile(into: id, directory: "/", name: String(file.path.drop { $0 == "/" }), contents: Data(file.contents.utf8),
                              owner: owner)
}
