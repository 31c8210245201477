import DockerAPI
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter

/// One of Slipway's containers as its labels and the engine describe it.
struct ObservedReplica: Sendable {
    var containerID: String
    var app: String
    var service: String
    var index: Int
    var version: Int
    var port: Int
    var running: Bool
    var state: String
    var hostPort: Int?
    /// When the running container started (nil when it is not running).
    var startedAt: Date? = nil
    var backend: Backend? { hostPort.map { Backend(port: $0) } }
}

/// Replica containers of the local engine: observing them, starting one and waiting until it
/// is ready, retiring one. What they remember between calls lives in `records`.
struct Replicas: Sendable {
    let docker: DockerClient
    let labels: ContainerLabels
    let mounts: ReplicaMounts
    let networks: AppNetworks
    let records: ReplicaRecords
    /// Told a created replica's id just before it starts: the log collector follows it from
    /// there (a container's process writes a few hundred milliseconds before its start call
    /// returns, and the engine's own start event comes later still).
    let starts: Broadcast<String>
    /// Drains a backend's requests in flight before its replica stops; nil without a local router.
    let router: (any BackendDrainer)?
    /// How long a new replica may take to pass its health check.
    let readyTimeout: Duration
    /// Receives what happens to replicas (started, ready, stopped), for the app's event log.
    let report: @Sendable (AppEvent) -> Void
    let logger: Logger
    /// Limits every replica and one-off container gets.
    var policy = ContainerPolicy()

    /// This server's containers (of one app, if given), with their published ports.
    func observe(app: AppName? = nil) async throws -> [ObservedReplica] {
        try await observe(try await docker.listContainers(all: true, labelFilters: labels.filters(app: app)))
    }

    /// Turns a container listing into replicas. A running container is inspected once, for its
    /// published port and start time (neither changes while it runs); later listings use those.
    func observe(_ containers: [ContainerSummary]) async throws -> [ObservedReplica] {
        var replicas: [ObservedReplica] = []
        for container in containers {
            guard let labels = ReplicaLabels(container.labels) else { continue }
            var hostPort: Int?
            var startedAt: Date?
            if container.state == "running" {
                hostPort = await records.hostPort(container.id)
                startedAt = await records.startedAt(container.id)
                if startedAt == nil || (hostPort == nil && labels.port != 0),
                   let details = try await docker.inspectContainer(container.id) {
                    startedAt = details.state.startedAt
                    if let startedAt { await records.setStartedAt(container.id, startedAt) }
                    if labels.port != 0, hostPort == nil {
                        hostPort = details.hostPorts[labels.port]
                        if let hostPort { await records.setHostPort(container.id, hostPort) }
                    }
                }
            } else {
                await records.markStopped(container.id)
            }
            replicas.append(ObservedReplica(containerID: container.id, app: labels.app, service: labels.service,
                                            index: labels.index, version: labels.version, port: labels.port,
                                            running: container.state == "running", state: container.state,
                                            hostPort: labels.port != 0 ? hostPort : nil, startedAt: startedAt))
        }
        return replicas
    }

    /// What every process of `service` gets: the manifest's env, config vars over it (set with
    /// `slipway config set`), and what a process may want to know about itself (as Heroku's PORT and DYNO).
    func environment(release: Release, service: ReleasedService, process: String) -> [String: String] {
        var environment = service.env.merging(release.config ?? [:]) { _, config in config }
        environment["PORT"] = String(service.port)
        environment["SLIPWAY_APP"] = release.app.value
        environment["SLIPWAY_RELEASE"] = release.label
        environment["SLIPWAY_REPLICA"] = process
        return environment
    }

    /// Creates and starts replica `index` of `service` in `release`.
    func start(release: Release, service: ReleasedService, index: Int) async throws -> String {
        let environment = environment(release: release, service: service, process: "\(service.name).\(index)")
        let binds = try await mounts.binds(release: release, service: service)
        let containerLabels = labels.owned(by: release.app.value).merging([
            Labels.instance: release.app.value,
            Labels.component: service.name,
            Labels.version: release.label,
            Labels.replica: String(index),
            // 0: not routed (a worker publishes no port and is not health-checked over the network).
            Labels.port: service.isRouted ? String(service.port) : "0",
            Labels.trace: release.traceId,
        ]) { _, new in new }
        var spec = ContainerSpec(image: service.image, command: service.command, environment: environment, labels: containerLabels,
                                 publishedPorts: service.isRouted ? [service.port] : [], useInit: true,
                                 stopTimeoutSeconds: service.rolloutPolicy.stopGraceSeconds, binds: binds,
                                 limits: policy.limits(for: service.resources))
        spec.network = try await networks.ensure(app: release.app.value)
        let name = labels.names.replica(app: release.app.value, version: release.version, service: service.name, index: index)
        let id: String
        do {
            id = try await docker.createContainer(name: name, spec: spec)
        } catch let error as DockerAPIError where error.isConflict || error.isNameInUse {
            // A leftover of an interrupted deploy holds the name: it belongs to no current release.
            try await docker.removeContainer(name, force: true)
            id = try await docker.createContainer(name: name, spec: spec)
        }
        await starts.publish(id)
        do {
            try await docker.startContainer(id)
        } catch {
            try? await docker.removeContainer(id, force: true)
            throw error
        }
        await records.markStarted(id)
        report(AppEvent(app: release.app.value, kind: .replicaStarted,
                        message: "\(service.name).\(index) started (container \(id.prefix(12)))",
                        release: release.version, replica: "\(service.name).\(index)", traceId: release.traceId))
        return id
    }

    /// The last lines a replica printed, to put in front of the user with the failure.
    func logTail(_ id: String, lines: Int) async -> String {
        var collected: [String] = []
        do {
            for try await line in docker.logs(id, follow: false, tail: lines, timestamps: false) {
                collected.append(line.text)
            }
        } catch {
            return ""
        }
        return collected.isEmpty ? "" : "\nLast \(collected.count) log lines:\n" + collected.joined(separator: "\n")
    }

    /// Takes a replica out of rotation first, lets its requests in flight finish, then stops it
    /// (SIGTERM, SIGKILL after the grace period) and removes it.
    func retire(_ replica: ObservedReplica, policy: RolloutPolicy) async {
        if let backend = replica.backend, let router {
            _ = await router.waitUntilDrained([backend], timeout: .milliseconds(Int64(policy.drainSeconds * 1000)))
        }
        do {
            try await docker.stopContainer(replica.containerID, timeoutSeconds: policy.stopGraceSeconds)
            try await docker.removeContainer(replica.containerID, force: true)
        } catch {
            logger.warning("could not remove container", metadata: ["container.id": "\(replica.containerID)", "error": "\(error)"])
        }
        await records.drop(replica.containerID)
        report(AppEvent(app: replica.app, kind: .replicaStopped, message: "\(replica.service).\(replica.index) of v\(replica.version) stopped",
                        release: replica.version, replica: "\(replica.service).\(replica.index)"))
    }

    /// Removes containers at once (no drain, no stop grace): leftovers and orphans.
    func remove(_ ids: [String]) async {
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    try? await docker.removeContainer(id, force: true)
                    await records.drop(id)
                }
            }
        }
    }
}
