import DockerAPI
import Foundation
import SlipwayCore

/// Throwaway containers for add-on data (`slipway backups`): see `Engine.runAddonTool`.
extension LocalEngine {
    public func runAddonTool(_ addon: AddonSpec, command: [String], stoppingAddon: Bool, input: AsyncStream<InteractiveInput>,
                             output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        guard stoppingAddon else {
            return try await oneOffs.runAddonTool(addon, command: command, binds: [], input: input, output: output)
        }
        // Held throughout: the reconciler would otherwise start the stopped add-on on the volume
        // while the tool changes its files.
        guard let lease = await locks.lock(addon.app.value) else {
            throw SlipwayError.conflict("\(addon.app) is busy (a deploy or destroy holds it); try again in a minute")
        }
        let code: Int
        do {
            try? await docker.stopContainer(addons.containerName(addon), timeoutSeconds: 30)
            code = try await oneOffs.runAddonTool(addon, command: command, binds: ["\(addons.volumeName(addon)):\(addon.kind.dataPath)"],
                                                  input: input, output: output)
        } catch {
            try? await addons.start(addon)
            await locks.unlock(lease)
            throw error
        }
        do {
            try await addons.start(addon)
        } catch {
            await locks.unlock(lease)
            throw error
        }
        await locks.unlock(lease)
        return code
    }
}

extension OneOffRunner {
    /// A container from the add-on's image on the app's network, stdin attached, removed after.
    func runAddonTool(_ addon: AddonSpec, command: [String], binds: [String], input: AsyncStream<InteractiveInput>,
                      output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        let process = "backup.\(UInt32.random(in: 100_000...999_999))"
        let containerLabels = labels.owned(by: addon.app.value).merging([ContainerLabels.oneOff: "backup"]) { _, new in new }
        var spec = ContainerSpec(image: addon.image, command: command, labels: containerLabels, useInit: true, stopTimeoutSeconds: 2,
                                 binds: binds, limits: replicas.policy.limits(for: nil))
        spec.openStdin = true
        spec.network = try await replicas.networks.ensure(app: addon.app.value)
        let name = labels.names.oneOff(app: addon.app.value, process: process, release: "addon-\(addon.name)")
        let id = try await docker.createContainer(name: name, spec: spec)
        let docker = self.docker
        let attachInput = input.map { item -> AttachInput in
            switch item {
            case .data(let data): .data(data)
            case .resize(let columns, let rows): .resize(columns: columns, rows: rows)
            case .endOfInput: .endOfInput
            }
        }
        do {
            let code = try await withTaskCancellationHandler {
                try await docker.attachInteractive(id, tty: false, input: attachInput, started: { try await docker.startContainer(id) },
                                                   output: output)
                return try await docker.waitContainer(id)
            } onCancel: {
                Task { try? await docker.removeContainer(id, force: true) }
            }
            try? await docker.removeContainer(id, force: true)
            return code
        } catch {
            try? await docker.removeContainer(id, force: true)
            throw error
        }
    }
}
