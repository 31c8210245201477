import DockerAPI
import Foundation
import SlipwayCore

/// Interactive one-offs (`slipway run -i/-t`, `slipway addons connect`): the container's stdin
/// attached over a hijacked connection instead of copied in as a file.
extension OneOffRunner {
    func runInteractive(_ release: Release, service serviceName: String?, addon: AddonSpec?, command: [String], tty: Bool,
                        input: AsyncStream<InteractiveInput>, output: @escaping @Sendable (Int, Data) async -> Void) async throws -> Int {
        let process = "run.\(UInt32.random(in: 1000...9999))"
        let containerLabels = labels.owned(by: release.app.value).merging([
            Labels.version: release.label,
            Labels.trace: release.traceId,
            ContainerLabels.oneOff: OneOffPurpose.run.rawValue,
        ]) { _, new in new }
        var spec: ContainerSpec
        if let addon {
            // The add-on's own image has its client (psql, redis-cli); nothing of the app's is mounted.
            spec = ContainerSpec(image: addon.image, command: command, labels: containerLabels, useInit: true, stopTimeoutSeconds: 2,
                                 limits: replicas.policy.limits(for: nil))
        } else {
            let service = try oneOffService(release, named: serviceName)
            spec = ContainerSpec(image: service.image, command: command,
                                 environment: replicas.environment(release: release, service: service, process: process),
                                 labels: containerLabels, useInit: true, stopTimeoutSeconds: 2,
                                 binds: try await replicas.mounts.binds(release: release, service: service),
                                 limits: replicas.policy.limits(for: service.resources))
        }
        spec.openStdin = true
        spec.tty = tty
        spec.network = try await replicas.networks.ensure(app: release.app.value)
        let name = labels.names.oneOff(app: release.app.value, process: process, release: release.label)
        try? await docker.removeContainer(name, force: true)
        let id = try await docker.createContainer(name: name, spec: spec)
        if let addon {
            do {
                try await writeSecretFile(addon.clientSecretFile, into: id, docker: docker)
            } catch {
                try? await docker.removeContainer(id, force: true)
                throw error
            }
        }
        let docker = self.docker
        // The engine's input type, so that callers need not know the Docker API's.
        let attachInput = input.map { item -> AttachInput in
            switch item {
            case .data(let data): .data(data)
            case .resize(let columns, let rows): .resize(columns: columns, rows: rows)
            case .endOfInput: .endOfInput
            }
        }
        do {
            let code = try await withTaskCancellationHandler {
                try await docker.attachInteractive(id, tty: tty, input: attachInput, started: { try await docker.startContainer(id) },
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
