import DockerAPI
import Foundation
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
    var backend: Backend? { hostPort.map { Backend(port: $0) } }
}

extension LocalEngine {
    /// This server's containers (of one app, if given), with their published ports.
    func observe(app: AppName? = nil) async throws -> [ObservedReplica] {
        try await observe(try await docker.listContainers(all: true, labelFilters: labelFilters(app: app)))
    }

    /// Turns a container listing into replicas, inspecting only containers whose port is not known yet.
    func observe(_ containers: [ContainerSummary]) async throws -> [ObservedReplica] {
        var replicas: [ObservedReplica] = []
        for container in containers {
            guard let labels = ReplicaLabels(container.labels) else { continue }
            var hostPort: Int?
            if container.state == "running" && labels.port != 0 {
                if let cached = await supervision.hostPort(container.id) {
                    hostPort = cached
                } else {
                    hostPort = try await docker.inspectContainer(container.id)?.hostPorts[labels.port]
                    if let hostPort { await supervision.setHostPort(container.id, hostPort) }
                }
            } else if container.state != "running" {
                // A stopped container publishes nothing; it may get another port when restarted.
                await supervision.markStopped(container.id)
            }
            replicas.append(ObservedReplica(containerID: container.id, app: labels.app, service: labels.service,
                                            index: labels.index, version: labels.version, port: labels.port,
                                            running: container.state == "running", state: container.state, hostPort: hostPort))
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
    func startReplica(release: Release, service: ReleasedService, index: Int) async throws -> String {
        let environment = environment(release: release, service: service, process: "\(service.name).\(index)")
        let binds = try await volumeBinds(release: release, service: service) + configFileBinds(release: release)
        let labels = [
            Labels.managedBy: Labels.managedByValue,
            Self.serverLabel: configuration.serverID,
            Labels.name: release.app.value,
            Labels.instance: release.app.value,
            Labels.component: service.name,
            Labels.version: release.label,
            Labels.replica: String(index),
            // 0: not routed (a worker publishes no port and is not health-checked over the network).
            Labels.port: service.isRouted ? String(service.port) : "0",
            Labels.trace: release.traceId,
        ]
        let spec = ContainerSpec(image: service.image, command: service.command, environment: environment, labels: labels,
                                 publishedPorts: service.isRouted ? [service.port] : [], useInit: true,
                                 stopTimeoutSeconds: service.rolloutPolicy.stopGraceSeconds, binds: binds)
        let name = "slipway-\(release.app.value)-v\(release.version)-\(service.name)-\(index)-\(configuration.serverID.prefix(6))"
        let id: String
        do {
            id = try await docker.createContainer(name: name, spec: spec)
        } catch let error as DockerAPIError where error.isConflict || error.isNameInUse {
            // A leftover of an interrupted deploy holds the name: it belongs to no current release.
            try await docker.removeContainer(name, force: true)
            id = try await docker.createContainer(name: name, spec: spec)
        }
        await supervision.announceStart(id)
        do {
            try await docker.startContainer(id)
        } catch {
            try? await docker.removeContainer(id, force: true)
            throw error
        }
        await supervision.markStarted(id)
        configuration.report(AppEvent(app: release.app.value, kind: .replicaStarted,
                                      message: "\(service.name).\(index) started (container \(id.prefix(12)))",
                                      release: release.version, replica: "\(service.name).\(index)", traceId: release.traceId))
        return id
    }

    /// Waits until every container in `ids` passes its service's health check, failing fast when one
    /// exits. Probes every 20 ms (a replica joins the rotation as soon as it answers); the engine is
    /// asked about the container only every 100 ms, to notice one that exited.
    func waitUntilReady(_ ids: [String], release: Release, log: @escaping LogSink) async throws -> [ObservedReplica] {
        let deadline = ContinuousClock.now + configuration.readyTimeout
        var pending = Set(ids)
        var known: [String: (labels: ReplicaLabels, hostPort: Int?)] = [:]
        var ready: [ObservedReplica] = []
        var round = 0
        while !pending.isEmpty {
            for id in pending.sorted() {
                if known[id]?.hostPort == nil || round % 5 == 0 {
                    guard let details = try await docker.inspectContainer(id), let labels = ReplicaLabels(details.labels) else {
                        throw SlipwayError.engine("replica container \(id.prefix(12)) disappeared while starting")
                    }
                    if !details.state.running {
                        let code = await settledExitCode(id, details.state)
                        throw SlipwayError.engine("\(labels.service).\(labels.index) exited with code \(code) before it was ready"
                            + (details.state.oomKilled ? " (killed: out of memory)" : "") + (await logTail(id, lines: 50)))
                    }
                    known[id] = (labels, details.hostPorts[labels.port])
                    if labels.port == 0 {
                        // Not routed: ready once running; a crash during the rollout is caught later.
                        pending.remove(id)
                        await supervision.markHealthy(id)
                        ready.append(ObservedReplica(containerID: id, app: labels.app, service: labels.service, index: labels.index,
                                                     version: labels.version, port: 0, running: true, state: "running", hostPort: nil))
                        await log("\(labels.service).\(labels.index) is running (not routed)")
                        reportReady(labels, release: release, detail: "running (not routed)")
                        continue
                    }
                }
                guard let (labels, hostPort) = known[id], let hostPort else { continue }
                let check = release.services.first { $0.name == labels.service }?.healthCheck ?? .tcp
                if await HealthProbe.passes(check, port: hostPort) {
                    pending.remove(id)
                    await supervision.markHealthy(id)
                    await supervision.setHostPort(id, hostPort)
                    ready.append(ObservedReplica(containerID: id, app: labels.app, service: labels.service, index: labels.index,
                                                 version: labels.version, port: labels.port, running: true, state: "running",
                                                 hostPort: hostPort))
                    await log("\(labels.service).\(labels.index) is ready on 127.0.0.1:\(hostPort)")
                    reportReady(labels, release: release, detail: "ready on 127.0.0.1:\(hostPort)")
                }
            }
            if pending.isEmpty { break }
            if ContinuousClock.now >= deadline {
                let id = pending.sorted()[0]
                let labels = known[id]?.labels
                let service = release.services.first { $0.name == labels?.service }
                let what = service?.health?.path.map { "answer 2xx/3xx on \($0)" } ?? "accept connections on port \(labels?.port ?? 0)"
                throw SlipwayError.engine(
                    "\(labels.map { "\($0.service).\($0.index)" } ?? id) did not \(what) within \(configuration.readyTimeout.components.seconds)s; "
                    + "check that the app listens on 0.0.0.0 and on the port slipway.yaml (or EXPOSE) names" + (await logTail(id, lines: 50)))
            }
            round += 1
            try await Task.sleep(for: .milliseconds(20))
        }
        return ready
    }

    /// A stopped container's exit code. Podman reports a container "stopped" (exit code 0) for a
    /// moment before conmon has recorded the real code and the state is "exited": ask again then.
    func settledExitCode(_ id: String, _ first: ContainerState) async -> Int {
        var state = first
        for _ in 0..<40 where state.status == "stopped" {
            try? await Task.sleep(for: .milliseconds(50))
            guard let again = try? await docker.inspectContainer(id)?.state else { break }
            state = again
        }
        return state.exitCode
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
        await supervision.dropReplica(replica.containerID)
        configuration.report(AppEvent(app: replica.app, kind: .replicaStopped, message: "\(replica.service).\(replica.index) of v\(replica.version) stopped",
                                      release: replica.version, replica: "\(replica.service).\(replica.index)"))
    }

    func reportReady(_ labels: ReplicaLabels, release: Release, detail: String) {
        configuration.report(AppEvent(app: labels.app, kind: .replicaReady, message: "\(labels.service).\(labels.index) \(detail)",
                                      release: labels.version, replica: "\(labels.service).\(labels.index)", traceId: release.traceId))
    }

    func removeContainers(_ ids: [String]) async {
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    try? await docker.removeContainer(id, force: true)
                    await supervision.dropReplica(id)
                }
            }
        }
    }
}
