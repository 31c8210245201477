import DockerAPI
import Foundation
import SlipwayCore

/// Waiting for new replicas to pass their health checks (a rollout's `run` step).
extension Replicas {
    /// Waits until every container in `ids` passes its service's health check, failing fast when one
    /// exits. Probes every 20 ms (a replica joins the rotation as soon as it answers); the engine is
    /// asked about the container only every 100 ms, to notice one that exited.
    func waitUntilReady(_ ids: [String], release: Release, log: @escaping LogSink) async throws -> [ObservedReplica] {
        let deadline = ContinuousClock.now + readyTimeout
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
                            + policy.killReason(details.state, release.services.first { $0.name == labels.service }?.resources) + (await logTail(id, lines: 50)))
                    }
                    known[id] = (labels, details.hostPorts[labels.port])
                    if labels.port == 0 {
                        // Not routed: ready once running; a crash during the rollout is caught later.
                        pending.remove(id)
                        await records.markHealthy(id)
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
                    await records.markHealthy(id)
                    await records.setHostPort(id, hostPort)
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
                    "\(labels.map { "\($0.service).\($0.index)" } ?? id) did not \(what) within \(readyTimeout.components.seconds)s; "
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

    func reportReady(_ labels: ReplicaLabels, release: Release, detail: String) {
        report(AppEvent(app: labels.app, kind: .replicaReady, message: "\(labels.service).\(labels.index) \(detail)",
                        release: labels.version, replica: "\(labels.service).\(labels.index)", traceId: release.traceId))
    }
}
