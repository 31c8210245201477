import Foundation
import KubernetesAPI
import KubernetesResources
import Logging
import SlipwayCore
import SlipwayKubernetes

/// After a rollout: pruning what the serving release no longer has; after a failure: putting
/// the previous release back, or removing the namespace a failed first deploy made.
extension KubernetesEngine {
    /// Prunes what the release no longer has: objects of prunable kinds labelled with the app
    /// whose version is not this release's. Config objects (ConfigMaps, Secrets) go by name
    /// instead: the release's and the previous release's stay, since the previous release's
    /// ReplicaSets refer to theirs (a `kubectl rollout undo` needs them).
    func prune(keeping release: Release, previous: Release?, log: @escaping LogSink) async throws {
        let namespace = namespace(of: release.app)
        var pruned: [String] = []
        do {
            let keptConfig = try configObjectNames(release).union(previous.map(configObjectNames) ?? [])
            for kind in KubernetesResource.prunable {
                let list = try await client.list(kind, namespace: namespace,
                                                 options: ListOptions(labelSelector: Self.appSelector(release.app)))
                for object in list.items where Self.belongs(object, to: release.app) {
                    guard let name = object.metadataName else { continue }
                    let isConfig = kind == .configMap || kind == .secret
                    if isConfig ? keptConfig.contains(name) : object.labels[Labels.version] == release.label { continue }
                    _ = try await client.delete(kind, name: name, namespace: namespace, propagationPolicy: .background)
                    pruned.append("\(kind.kind)/\(name)")
                }
            }
        } catch {
            throw Self.slipwayError(error, doing: "pruning objects of releases before \(release.label) of \(release.app)")
        }
        // The release serves: its namespace is no longer a failed first deploy's to remove.
        await createdNamespaces.forget(namespace, deploy: release.traceId)
        await log(pruned.isEmpty ? "\(release.label) of \(release.app) serves; nothing to prune"
                                 : "\(release.label) of \(release.app) serves; pruned \(pruned.joined(separator: ", "))")
    }

    /// The names of the ConfigMaps and Secrets `release` renders.
    func configObjectNames(_ release: Release) throws -> Set<String> {
        Set(try render(release).filter { $0.kind == .configMap || $0.kind == .secret }.map(\.name))
    }

    /// Applies the previous release's objects again and prunes the new release's (or deletes the
    /// namespace when there was no previous release and this deploy made it).
    func putBack(_ previous: Release?, instead release: Release, log: @escaping LogSink) async {
        guard let previous else {
            await removeNamespaceIfNew(for: release, log: log)
            return
        }
        do {
            await log("Applying the objects of \(previous.label) again")
            try await apply(try render(previous).filter { $0.kind != .job })
            try await prune(keeping: previous, previous: nil, log: log)
        } catch {
            await log("Could not put \(previous.label) back: \(error)")
            logger.error("could not put the previous release back", metadata: ["app.name": "\(release.app)", "error": "\(error)"])
        }
    }

    /// A failed first deploy: the namespace goes when this deploy created it (nothing of the app
    /// ran there before); one that was there already is left as it is.
    func removeNamespaceIfNew(for release: Release, log: @escaping LogSink) async {
        let namespace = namespace(of: release.app)
        guard await createdNamespaces.forget(namespace, deploy: release.traceId) else {
            await log("Namespace \(namespace) was there before this deploy: left as it is")
            return
        }
        await log("No previous release of \(release.app): deleting namespace \(namespace), which this deploy created")
        do { try await destroy(app: release.app) } catch {
            logger.error("could not remove the failed release", metadata: ["app.name": "\(release.app)", "error": "\(error)"])
        }
    }

    /// Server-side apply of each object, in order. A Deployment the autoscaler takes over hands
    /// its `replicas` over first (see `handOverReplicas`).
    func apply(_ objects: [KubernetesObject]) async throws {
        for object in objects {
            if object.kind == .deployment, object.body["spec"]?["replicas"] == nil {
                try await handOverReplicas(of: object)
            }
            _ = try await client.apply(try object.jsonValue(), namespace: object.namespace)
        }
    }

    /// A server-side dry run (`dryRun=All`) of each object: the API server validates and admits
    /// it, storing nothing. A Namespace that does not exist yet is made for real first (a dry run
    /// of the objects inside a missing namespace fails with 404) and remembered for the deploy,
    /// so its failure can remove it again; an existing one is only dry-run like the rest.
    func dryRun(_ objects: [KubernetesObject], for release: Release) async throws {
        for object in objects where object.kind == .namespace {
            let existed = try await client.get(.namespace, name: object.name) != nil
            _ = try await client.apply(try object.jsonValue(), dryRun: existed)
            if !existed { await createdNamespaces.record(object.name, deploy: release.traceId) }
        }
        for object in objects where object.kind != .namespace {
            _ = try await client.apply(try object.jsonValue(), namespace: object.namespace, dryRun: true)
        }
    }
}

/// Namespaces deploys in progress created, with the deploy's trace id (one deploy may release
/// several apps): only such a namespace is deleted when the app's first deploy fails (another
/// one may hold what someone put there).
actor CreatedNamespaces {
    private struct Creation: Hashable {
        let namespace: String
        let traceId: String
    }

    private var creations: Set<Creation> = []

    func record(_ namespace: String, deploy traceId: String) {
        creations.insert(Creation(namespace: namespace, traceId: traceId))
    }

    /// Whether the deploy created `namespace`; forgotten from now on.
    @discardableResult
    func forget(_ namespace: String, deploy traceId: String) -> Bool {
        creations.remove(Creation(namespace: namespace, traceId: traceId)) != nil
    }
}
