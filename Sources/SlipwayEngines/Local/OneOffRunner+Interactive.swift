import DockerAPI
import Foundation
import SlipwayCore

/// Interactive one-offs (`slipway run -i/-t`, `slipway addons connect`): the container's stdin
/// attached over a hijacked connection instead of copied in as a file.
extension OneOffRunner {
    func runInteractive(_ release: Release, service serviceName: String?, addon: AddonSpec?, command: [String], tty: Bool,
                        input: AsyncStream<InteractiveInput>, output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        let process = Self.runProcessName()
        var container: OneOffContainer
        if let addon {
            let name = labels.names.oneOff(app: release.app.value, process: process, release: release.label)
            container = try await addonContainer(addon, name: name, labels: oneOffLabels(release, purpose: .run), command: command)
        } else {
            let service = try oneOffService(release, named: serviceName)
            container = try await serviceContainer(release, service: service, process: process, purpose: .run, command: command)
        }
        container.spec.openStdin = true
        container.spec.tty = tty
        return try await container.run(streams: .attached(tty: tty, input: input, output: output)) { id in
            // The client's password, as a file: a container's configuration (`inspect`) would show it.
            if let addon { try await writeSecretFile(addon.clientSecretFile, into: id, docker: docker) }
        }
    }
}
