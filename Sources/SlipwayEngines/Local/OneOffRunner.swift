import DockerAPI
import Foundation
import Logging
import SlipwayCore

/// One-off containers: the release phase and `slipway run`. They use a release's image,
/// config and volumes like its replicas, but are never routed, never restarted, and removed
/// once they exit. They carry `io.slipway.oneoff` instead of replica labels, so the reconciler
/// leaves them alone; a server restart removes any left behind.
struct OneOffRunner: Sendable {
    let docker: DockerClient
    let labels: ContainerLabels
    let replicas: Replicas
    let logger: Logger

    static let stdinPath = "/.slipway-stdin"

    func run(_ release: Release, service serviceName: String?, command: [String], stdin: Data?,
                          purpose: OneOffPurpose, output: @escaping @Sendable (RunEvent) async -> Void) async throws -> Int {
        let service = try oneOffService(release, named: serviceName)
        let process = purpose == .release ? "release" : "run.\(UInt32.random(in: 1000...9999))"
        let containerLabels = labels.owned(by: release.app.value).merging([
            Labels.version: release.label,
            Labels.trace: release.traceId,
            ContainerLabels.oneOff: purpose.rawValue,
        ]) { _, new in new }
        // Standard input is copied into the container as a file and redirected by a shell, so it
        // needs no attach connection (which the two engines hijack differently); the command
        // then reads it to the end as from a pipe. It needs /bin/sh in the image, as any
        // `sh -c` command does.
        let effective = stdin == nil ? command : ["/bin/sh", "-c", "exec \"$@\" < \(Self.stdinPath)", "sh"] + command
        var spec = ContainerSpec(image: service.image, command: effective,
                                 environment: replicas.environment(release: release, service: service, process: process),
                                 labels: containerLabels, useInit: true, stopTimeoutSeconds: 2,
                                 binds: try await replicas.mounts.binds(release: release, service: service),
                                 limits: replicas.policy.limits(for: service.resources))
        spec.network = try await replicas.networks.ensure(app: release.app.value)
        let name = labels.names.oneOff(app: release.app.value, process: process, release: release.label)
        try? await docker.removeContainer(name, force: true)  // a leftover of an interrupted one
        let id = try await docker.createContainer(name: name, spec: spec)
        do {
            let code = try await withTaskCancellationHandler {
                if let stdin {
                    try await docker.copyFile(into: id, directory: "/", name: String(Self.stdinPath.dropFirst()), contents: stdin)
                }
                try await docker.startContainer(id)
                for try await line in docker.logs(id, follow: true, tail: nil, timestamps: false) {
                    await output(RunEvent(stream: line.stream.rawValue, text: line.text))
                }
                return try await docker.waitContainer(id)
            } onCancel: {
                // The client went away (Ctrl-C): the command stops with it.
                Task { try? await docker.removeContainer(id, force: true) }
            }
            try? await docker.removeContainer(id, force: true)
            return code
        } catch {
            try? await docker.removeContainer(id, force: true)
            throw error
        }
    }

    /// The service a one-off container is made from: the named one, else the default (routed)
    /// service, else the first.
    func oneOffService(_ release: Release, named name: String?) throws -> ReleasedService {
        if let name {
            guard let service = release.services.first(where: { $0.name == name }) else {
                throw SlipwayError.invalidRequest("\(release.app) has no service \(name) (it has: \(release.services.map(\.name).joined(separator: ", ")))")
            }
            return service
        }
        guard let service = release.services.first(where: { $0.name == release.defaultService }) ?? release.services.first else {
            throw SlipwayError.conflict("\(release.label) of \(release.app) has no services to run a command from")
        }
        return service
    }

    /// One-off containers a server restart found: whatever ran them is gone.
    func removeLeftovers() async {
        guard let leftovers = try? await docker.listContainers(all: true, labelFilters: labels.filters() + [ContainerLabels.oneOff]),
              !leftovers.isEmpty else { return }
        logger.info("removing one-off containers left by a previous run", metadata: ["count": "\(leftovers.count)"])
        await replicas.remove(leftovers.map(\.id))
    }
}
