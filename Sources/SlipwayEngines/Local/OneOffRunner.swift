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
        let process = purpose == .release ? "release" : Self.runProcessName()
        // Standard input is copied into the container as a file and redirected by a shell, so it
        // needs no attach connection (which the two engines hijack differently); the command
        // then reads it to the end as from a pipe. It needs /bin/sh in the image, as any
        // `sh -c` command does.
        let effective = stdin == nil ? command : ["/bin/sh", "-c", "exec \"$@\" < \(Self.stdinPath)", "sh"] + command
        let container = try await serviceContainer(release, service: service, process: process, purpose: purpose, command: effective)
        return try await container.run(streams: .logs(output: output)) { id in
            if let stdin {
                try await docker.copyFile(into: id, directory: "/", name: String(Self.stdinPath.dropFirst()), contents: stdin)
            }
        }
    }

    /// `run.NNNN`: a process name for a one-off command, random so that two at once get two containers.
    static func runProcessName() -> String { "run.\(UInt32.random(in: 1000...9999))" }

    /// A one-off container of `service` made as its replicas are (its image, config, volumes and
    /// limits, on the app's network), but labelled as a one-off of `release` so the reconciler leaves it alone.
    func serviceContainer(_ release: Release, service: ReleasedService, process: String, purpose: OneOffPurpose,
                          command: [String]) async throws -> OneOffContainer {
        var spec = ContainerSpec(image: service.image, command: command,
                                 environment: replicas.environment(release: release, service: service, process: process),
                                 labels: oneOffLabels(release, purpose: purpose), useInit: true, stopTimeoutSeconds: 2,
                                 binds: try await replicas.mounts.binds(release: release, service: service),
                                 limits: replicas.policy.limits(for: service.resources))
        spec.network = try await replicas.networks.ensure(app: release.app.value)
        return OneOffContainer(docker: docker, name: labels.names.oneOff(app: release.app.value, process: process, release: release.label),
                               spec: spec)
    }

    /// A one-off container from an add-on's own image (its client: psql, redis-cli, pg_dump) on
    /// the app's network: nothing of the app's is mounted and no config is given, only `binds`.
    func addonContainer(_ addon: AddonSpec, name: String, labels containerLabels: [String: String], binds: [String] = [],
                        command: [String]) async throws -> OneOffContainer {
        var spec = ContainerSpec(image: addon.image, command: command, labels: containerLabels, useInit: true, stopTimeoutSeconds: 2,
                                 binds: binds, limits: replicas.policy.limits(for: nil))
        spec.network = try await replicas.networks.ensure(app: addon.app.value)
        return OneOffContainer(docker: docker, name: name, spec: spec)
    }

    /// The app's labels plus the release's, and the one-off label instead of replica labels.
    func oneOffLabels(_ release: Release, purpose: OneOffPurpose) -> [String: String] {
        labels.owned(by: release.app.value).merging([
            Labels.version: release.label,
            Labels.trace: release.traceId,
            ContainerLabels.oneOff: purpose.rawValue,
        ]) { _, new in new }
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
