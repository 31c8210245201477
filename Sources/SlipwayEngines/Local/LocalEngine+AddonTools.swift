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
        let name = labels.names.oneOff(app: addon.app.value, process: process, release: "addon-\(addon.name)")
        let containerLabels = labels.owned(by: addon.app.value).merging([ContainerLabels.oneOff: "backup"]) { _, new in new }
        var container = try await addonContainer(addon, name: name, labels: containerLabels, binds: binds, command: command)
        container.spec.openStdin = true
        return try await container.run(streams: .attached(tty: false, input: input, output: output))
    }
}
