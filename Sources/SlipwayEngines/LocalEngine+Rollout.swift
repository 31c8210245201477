import DockerAPI
import Foundation
import SlipwayCore
import SlipwayRouter

extension LocalEngine {
    public func startReplicas(of release: Release, log: @escaping LogSink) async throws -> Rollout {
        var started: [StartedReplica] = []
        var created: [String] = []
        do {
            for service in release.services where service.replicas > 0 {
                for index in 1...service.replicas {
                    let id = try await createReplica(release: release, service: service, index: index)
                    created.append(id)
                    try await docker.startContainer(id)
                    await log("Started \(service.name).\(index) (\(id.prefix(12)))")
                }
            }
            started = try await waitUntilReady(release: release, containerIDs: created, log: log)
        } catch {
            await removeContainers(created)
            throw error
        }
        return Rollout(release: release, replicas: started)
    }

    func containerName(release: Release, service: String, index: Int) -> String {
        "slipway-\(release.app.value)-v\(release.version)-\(service)-\(index)-\(configuration.serverID.prefix(6))"
    }

    private func createReplica(release: Release, service: ReleasedService, index: Int) async throws -> String {
        var environment = service.env
        environment["PORT"] = String(service.port)
        let labels = [
            Labels.managedBy: Labels.managedByValue,
            Self.serverLabel: configuration.serverID,
            Labels.name: release.app.value,
            Labels.instance: release.app.value,
            Labels.component: service.name,
            Labels.version: release.label,
            Labels.replica: String(index),
            Labels.port: String(service.port),
            Labels.trace: release.traceId,
        ]
        let spec = ContainerSpec(image: service.image, command: service.command, environment: environment, labels: labels,
                                 publishedPorts: [service.port], useInit: true,
                                 stopTimeoutSeconds: configuration.stopGraceSeconds)
        let name = containerName(release: release, service: service.name, index: index)
        do {
            return try await docker.createContainer(name: name, spec: spec)
        } catch let error as DockerAPIError where error.isConflict || error.isNameInUse {
            // A leftover of an interrupted deploy holds the name: it belongs to no current release.
            try await docker.removeContainer(name, force: true)
            return try await docker.createContainer(name: name, spec: spec)
        }
    }

    /// Polls each replica until its port accepts connections, failing fast when one exits.
    private func waitUntilReady(release: Release, containerIDs: [String], log: @escaping LogSink) async throws -> [StartedReplica] {
        let deadline = ContinuousClock.now + configuration.readyTimeout
        var pending = Set(containerIDs)
        var ready: [StartedReplica] = []
        while !pending.isEmpty {
            for id in pending.sorted() {
                guard let details = try await docker.inspectContainer(id), let replica = ReplicaLabels(details.labels) else {
                    throw SlipwayError.engine("replica container \(id.prefix(12)) disappeared while starting")
                }
                if !details.state.running {
                    let tail = await logTail(id, lines: 50)
                    throw SlipwayError.engine(
                        "\(replica.service).\(replica.index) exited with code \(details.state.exitCode) before it was ready"
                        + (details.state.oomKilled ? " (killed: out of memory)" : "") + tail)
                }
                guard let hostPort = details.hostPorts[replica.port] else { continue }
                if await PortProbe.accepts(port: hostPort) {
                    pending.remove(id)
                    ready.append(StartedReplica(service: replica.service, index: replica.index, containerId: id, hostPort: hostPort))
                    await log("\(replica.service).\(replica.index) is ready on 127.0.0.1:\(hostPort)")
                }
            }
            if pending.isEmpty { break }
            if ContinuousClock.now >= deadline {
                let names = try await pendingNames(pending)
                let tail = await logTail(pending.sorted()[0], lines: 50)
                throw SlipwayError.engine(
                    "\(names) did not accept connections on port \(release.services.first?.port ?? 0) within \(configuration.readyTimeout.components.seconds)s; "
                    + "check that the app listens on 0.0.0.0 and the port in slipway.yaml (or EXPOSE) is the one it uses" + tail)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return ready
    }

    private func pendingNames(_ ids: Set<String>) async throws -> String {
        var names: [String] = []
        for id in ids.sorted() {
            if let details = try await docker.inspectContainer(id), let replica = ReplicaLabels(details.labels) {
                names.append("\(replica.service).\(replica.index)")
            }
        }
        return names.joined(separator: ", ")
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

    public func switchTraffic(to rollout: Rollout, log: @escaping LogSink) async throws {
        let release = rollout.release
        var services: [String: [Backend]] = [:]
        for service in release.services { services[service.name] = [] }
        for replica in rollout.replicas {
            services[replica.service, default: []].append(Backend(port: replica.hostPort))
        }
        let previous = try await docker.listContainers(all: true, labelFilters: labelFilters(app: release.app))
            .filter { $0.labels[Labels.version] != release.label }
        routes.setRoutes(app: release.app.value, services: services, defaultService: release.defaultService)
        await log("Routing \(release.app) to \(release.label) (\(rollout.replicas.count) replicas)")
        guard !previous.isEmpty else { return }
        // Old replicas finish the requests they have in flight before they are stopped.
        var oldBackends: [Backend] = []
        for container in previous {
            if let details = try? await docker.inspectContainer(container.id), let labels = ReplicaLabels(details.labels),
               let port = details.hostPorts[labels.port] {
                oldBackends.append(Backend(port: port))
            }
        }
        if let router, !oldBackends.isEmpty {
            _ = await router.waitUntilDrained(oldBackends, timeout: configuration.drainTimeout)
        }
        await removeContainers(previous.map(\.id))
        await log("Stopped \(previous.count) replicas of the previous release")
    }

    public func abandon(_ rollout: Rollout) async {
        await removeContainers(rollout.replicas.map(\.containerId))
    }

    func removeContainers(_ ids: [String]) async {
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    do { try await stopAndRemove(id) } catch {
                        logger.warning("could not remove container", metadata: ["container.id": "\(id)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
