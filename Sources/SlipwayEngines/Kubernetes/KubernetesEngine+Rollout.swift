import Foundation
import KubernetesAPI
import SlipwayCore
import SlipwayKubernetes

extension KubernetesEngine {
    /// Applies the release's objects in order (server-side apply; the release-phase Job ran
    /// already in `runOneOff`), then watches its Deployments until they are available. On
    /// failure the previous release's objects are applied again, so it keeps serving.
    public func rollOut(_ release: Release, previous: Release?, log: @escaping LogSink) async throws {
        let objects = try render(release).filter { $0.kind != .job }
        let namespace = namespace(of: release.app)
        do {
            await log("Applying \(objects.count) objects of \(release.label) to namespace \(namespace)")
            try await apply(objects)
            let deployments = Set(objects.filter { $0.kind == .deployment }.map(\.name))
            await log("Waiting for \(deployments.count) Deployment\(deployments.count == 1 ? "" : "s") to roll out: \(deployments.sorted().joined(separator: ", "))")
            try await waitForDeployments(deployments, namespace: namespace, timeout: configuration.readyTimeout, log: log)
        } catch {
            let failure = Self.slipwayError(error, doing: "rolling out \(release.label) of \(release.app)")
            await log("Rollout of \(release.label) failed: \(failure)")
            await putBack(previous, instead: release, log: log)
            throw failure
        }
    }

    /// Prunes what the release no longer has: objects of prunable kinds labelled with the app
    /// whose version is not this release's.
    public func completeRollout(_ release: Release, log: @escaping LogSink) async throws {
        let namespace = namespace(of: release.app)
        var pruned: [String] = []
        do {
            for kind in KubernetesKind.prunable {
                let list = try await client.list(KubernetesResource(kind), namespace: namespace,
                                                 options: ListOptions(labelSelector: Self.appSelector(release.app)))
                for object in list.items where Self.belongs(object, to: release.app) && object.labels[Labels.version] != release.label {
                    guard let name = object.metadataName else { continue }
                    _ = try await client.delete(KubernetesResource(kind), name: name, namespace: namespace, propagationPolicy: .background)
                    pruned.append("\(kind.kind)/\(name)")
                }
            }
        } catch {
            throw Self.slipwayError(error, doing: "pruning objects of releases before \(release.label) of \(release.app)")
        }
        await log(pruned.isEmpty ? "\(release.label) of \(release.app) serves; nothing to prune"
                                 : "\(release.label) of \(release.app) serves; pruned \(pruned.joined(separator: ", "))")
    }

    /// The rollout succeeded but the deploy failed later: the previous release's objects are
    /// applied again and the new release's pruned (or the namespace is deleted when there was none).
    public func undoRollout(_ release: Release, previous: Release?, log: @escaping LogSink) async {
        await putBack(previous, instead: release, log: log)
    }

    func putBack(_ previous: Release?, instead release: Release, log: @escaping LogSink) async {
        guard let previous else {
            await log("No previous release of \(release.app): deleting namespace \(namespace(of: release.app))")
            do { try await destroy(app: release.app) } catch {
                logger.error("could not remove the failed release", metadata: ["app.name": "\(release.app)", "error": "\(error)"])
            }
            return
        }
        do {
            await log("Applying the objects of \(previous.label) again")
            try await apply(try render(previous).filter { $0.kind != .job })
            try await completeRollout(previous, log: log)
        } catch {
            await log("Could not put \(previous.label) back: \(error)")
            logger.error("could not put the previous release back", metadata: ["app.name": "\(release.app)", "error": "\(error)"])
        }
    }

    /// Server-side apply of each object, in order.
    func apply(_ objects: [KubernetesObject]) async throws {
        for object in objects {
            _ = try await client.apply(try object.jsonValue(), namespace: object.namespace)
        }
    }

    /// Watches the Deployments of `namespace` until each named one is rolled out.
    func waitForDeployments(_ names: Set<String>, namespace: String, timeout: Duration, log: @escaping LogSink) async throws {
        guard !names.isEmpty else { return }
        let client = self.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var pending = names
                while !pending.isEmpty {
                    // A watch without resourceVersion starts with every object as ADDED, so a
                    // Deployment that is ready already is seen at once; a watch the server ends
                    // (timeoutSeconds) is opened again.
                    let events = try await client.watch(.deployment, namespace: namespace, options: WatchOptions(timeoutSeconds: 300))
                    for try await event in events {
                        guard event.type == .added || event.type == .modified, let name = event.object.metadataName,
                              pending.contains(name) else { continue }
                        switch DeploymentProgress(event.object) {
                        case .complete:
                            pending.remove(name)
                            await log("Deployment \(name) rolled out")
                        case .failed(let reason):
                            throw SlipwayError.engine("Deployment \(name) in namespace \(namespace) failed: \(reason)")
                        case .progressing:
                            continue
                        }
                        if pending.isEmpty { break }
                    }
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
