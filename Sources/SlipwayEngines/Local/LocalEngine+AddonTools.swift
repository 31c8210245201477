import DockerAPI
import Foundation
import SlipwayCore

/// Throwaway containers for add-on data (`slipway backups`): see `Engine.runAddonTool`.
extension LocalEngine {
    public func runAddonTool(_ addon: AddonSpec, tool: AddonTool, input: AsyncStream<InteractiveInput>,
                             output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        guard tool.stopsAddon else {
            return try await oneOffs.runAddonTool(addon, tool: tool, binds: [], input: input, output: output)
        }
        // Held throughout: the reconciler would otherwise start the stopped add-on on the volume
        // while the tool changes its files.
        guard let lease = await locks.lock(addon.app.value) else {
            throw SlipwayError.conflict("\(addon.app) is busy (a deploy or destroy holds it); try again in a minute")
        }
        let code: Int
        do {
            try? await docker.stopContainer(addons.containerName(addon), timeoutSeconds: 30)
            code = try await oneOffs.runAddonTool(addon, tool: tool, binds: ["\(addons.volumeName(addon)):\(addon.kind.dataPath)"],
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
    /// The tool's secret file is copied in between create and start (`writeSecretFile`, as the
    /// add-on's own): labelled `io.slipway.addon-credentials=file`, the password in no Cmd or Env.
    func runAddonTool(_ addon: AddonSpec, tool: AddonTool, binds: [String], input: AsyncStream<InteractiveInput>,
                      output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        let process = "backup.\(UInt32.random(in: 100_000...999_999))"
        let name = labels.names.oneOff(app: addon.app.value, process: process, release: "addon-\(addon.name)")
        let containerLabels = labels.owned(by: addon.app.value).merging([
            ContainerLabels.oneOff: "backup", ContainerLabels.addonCredentials: "file",
        ]) { _, new in new }
        var container = try await addonContainer(addon, name: name, labels: containerLabels, binds: binds, command: tool.command)
        container.spec.openStdin = true
        let docker = self.docker
        return try await container.run(streams: .attached(tty: false, input: input, output: output)) { id in
            if let secret = tool.secretFile { try await writeSecretFile(secret, into: id, docker: docker) }
        }
    }
}
