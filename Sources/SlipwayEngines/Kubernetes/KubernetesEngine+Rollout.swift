import Foundation
import KubernetesAPI
import KubernetesResources
import SlipwayCore
import SlipwayKubernetes

extension KubernetesEngine {
    public var rolloutStages: [StageName] { [.apply, .run] }

    public func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> any Rollout {
        KubernetesRollout(engine: self, release: release, previous: previous, log: log)
    }

    /// The `apply` stage: the release's objects, checked by the API server first (a dry run of
    /// each: validation and admission) and then applied in order with server-side apply (the
    /// release-phase Job ran already in `runOneOff`). If the cluster refuses one of them, nothing
    /// was changed by the dry run, and what a real apply changed before a refusal is put back to
    /// the previous release's objects.
    func apply(_ release: Release, previous: Release?, log: @escaping LogSink) async throws -> String {
        let objects = try render(release).filter { $0.kind != .job }
        let namespace = namespace(of: release.app)
        do {
            await log("Checking \(objects.count) objects of \(release.label) with the API server (dry run)")
            try await dryRun(objects, for: release)
        } catch {
            let failure = Self.slipwayError(error, doing: "checking the objects of \(release.label) of \(release.app)")
            await log("The cluster refused \(release.label); nothing was changed: \(failure)")
            if previous == nil { await putBack(nil, instead: release, log: log) }  // only the namespace was made
            throw failure
        }
        do {
            await log("Applying \(objects.count) objects of \(release.label) to namespace \(namespace)")
            try await apply(objects)
        } catch {
            let failure = Self.slipwayError(error, doing: "applying \(release.label) of \(release.app)")
            await log("Applying \(release.label) failed: \(failure)")
            await putBack(previous, instead: release, log: log)
            throw failure
        }
        return "\(objects.count) objects of \(release.label) applied to namespace \(namespace)"
    }

    /// The `run` stage: watches the release's Deployments until they are available. On failure
    /// the previous release's objects are applied again, so it keeps serving.
    func waitForRollout(_ release: Release, previous: Release?, log: @escaping LogSink) async throws {
        let namespace = namespace(of: release.app)
        do {
            let deployments = Set(try render(release).filter { $0.kind == .deployment }.map(\.name))
            await log("Waiting for \(deployments.count) Deployment\(deployments.count == 1 ? "" : "s") to roll out: \(deployments.sorted().joined(separator: ", "))")
            try await waitForDeployments(deployments, namespace: namespace, timeout: configuration.readyTimeout, log: log)
        } catch {
            let failure = Self.slipwayError(error, doing: "rolling out \(release.label) of \(release.app)")
            await log("Rollout of \(release.label) failed: \(failure)")
            await putBack(previous, instead: release, log: log)
            throw failure
        }
    }

    /// Watches the Deployments of `namespace` until each named one is rolled out.
    func waitForDeployments(_ names: Set<String>, namespace: String, timeout: Duration, log: @escaping LogSink) async throws {
        guard !names.isEmpty else { return }
        let client = self.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var pending = names
                // List, then watch from the list's version; a 410 Gone lists and watches again.
                try await client.listAndWatch(.deployment, namespace: namespace) { event in
                    guard event.type != .deleted, let name = event.object.metadataName, pending.contains(name) else { return false }
                    switch DeploymentProgress(event.object) {
                    case .complete:
                        pending.remove(name)
                        await log("Deployment \(name) rolled out")
                    case .failed(let reason):
                        throw SlipwayError.engine("Deployment \(name) in namespace \(namespace) failed: \(reason)")
                    case .progressing:
                        break
                    }
                    return pending.isEmpty
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SlipwayError.engine("the Deployments of namespace \(namespace) were not available within \(timeout.components.seconds) s (--ready-timeout); see `kubectl -n \(namespace) describe deployments`")
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }
}

/// Where a Deployment's rollout is, from its status (as `kubectl rollout status` decides).
enum DeploymentProgress: Equatable {
    case progressing
    case complete
    case failed(String)

    init(_ deployment: JSONValue) {
        let status = deployment["status"]
        let conditions = status?["conditions"]?.arrayValue ?? []
        if let stuck = conditions.first(where: { $0["type"]?.stringValue == "Progressing" && $0["reason"]?.stringValue == "ProgressDeadlineExceeded" }) {
            let message = stuck["message"]?.stringValue ?? "progress deadline exceeded"
            self = .failed("ProgressDeadlineExceeded: \(message)")
            return
        }
        // No generation (an emulator) counts as observed.
        let generation = deployment[path: "metadata", "generation"]?.intValue
        let observed = status?["observedGeneration"]?.intValue
        if let generation, (observed ?? -1) < generation { self = .progressing; return }
        let wanted = deployment[path: "spec", "replicas"]?.intValue ?? 1
        let updated = status?["updatedReplicas"]?.intValue ?? 0
        let available = status?["availableReplicas"]?.intValue ?? 0
        let total = status?["replicas"]?.intValue ?? updated
        self = updated >= wanted && available >= wanted && total <= updated ? .complete : .progressing
    }
}
