import DockerAPI
import Foundation
import KubernetesAPI
import KubernetesResources
import Logging
import OCIRegistry
import SlipwayCore
import SlipwayKubernetes

/// The distributed engine: images are built by the local container engine and pushed to a
/// registry, and each release is applied to a Kubernetes cluster (server-side apply of the
/// objects `KubernetesRenderer` makes, one namespace per app). Kubernetes keeps the replicas
/// running, so `reconcile` and `restore` have nothing to do.
public struct KubernetesEngine: Engine {
    public struct Configuration: Sendable {
        /// `HOST[:PORT]/PREFIX`: images are pushed as `HOST[:PORT]/PREFIX/APP-SERVICE`.
        public var registry: String
        /// Plain http to the registry; nil: only for loopback hosts.
        public var registryInsecure: Bool?
        public var registryCredentials: RegistryCredentials?
        /// Domain, ingress class, TLS... (`images` is set per release).
        public var renderOptions: KubernetesRenderOptions
        /// How long the Deployments of a release may take to become available.
        public var readyTimeout: Duration = .seconds(300)
        /// How long a release-phase or `run` Job may take.
        public var jobTimeout: Duration = .seconds(1800)

        public init(registry: String, renderOptions: KubernetesRenderOptions = .init()) {
            self.registry = registry
            self.renderOptions = renderOptions
        }

        /// `HOST[:PORT]` and the repository prefix (may be empty) of `registry`.
        public static func splitRegistry(_ registry: String) throws -> (host: String, prefix: String) {
            let trimmed = registry.hasSuffix("/") ? String(registry.dropLast()) : registry
            let host = String(trimmed.prefix { $0 != "/" })
            let prefix = String(trimmed.dropFirst(host.count).drop { $0 == "/" })
            guard !host.isEmpty, !host.contains("://"), !registry.contains("://") else {
                throw SlipwayError.invalidRequest("--registry must be HOST[:PORT]/PREFIX, e.g. registry.example.com:5000/slipway (got \(registry))")
            }
            return (host, prefix)
        }
    }

    let client: KubernetesClient
    /// Builds images (the local engine's `build`); nil when this server cannot build (tests).
    let builder: LocalEngine?
    let docker: DockerClient?
    let configuration: Configuration
    let logger: Logger
    /// Where a committed rollout records its release as current (the store).
    let releases: any CurrentReleases
    /// Namespaces deploys in progress created (removed again if the app's first deploy fails).
    let createdNamespaces = CreatedNamespaces()

    public init(client: KubernetesClient, builder: LocalEngine?, docker: DockerClient?, releases: any CurrentReleases,
                configuration: Configuration, logger: Logger) {
        self.client = client
        self.builder = builder
        self.docker = docker
        self.releases = releases
        self.configuration = configuration
        self.logger = logger
    }

    var renderer: KubernetesRenderer { KubernetesRenderer(options: configuration.renderOptions) }

    func namespace(of app: AppName) -> String { renderer.namespace(of: app) }

    /// The release's objects, with the images the release records (registry digest refs).
    func render(_ release: Release) throws -> [KubernetesObject] {
        do {
            return try renderer.render(release)
        } catch let error as KubernetesRenderError {
            throw SlipwayError.invalidManifest(error.message)
        }
    }

    /// Every Kubernetes, registry or render error as the `SlipwayError` a deploy shows.
    static func slipwayError(_ error: any Error, doing what: String) -> any Error {
        switch error {
        case let error as SlipwayError: return error
        case is CancellationError: return error
        case let error as KubernetesAPIError: return SlipwayError.engine("\(what): \(error.description)")
        case let error as OCIRegistryError: return SlipwayError.engine("\(what): \(error.description)")
        case let error as KubernetesRenderError: return SlipwayError.invalidManifest(error.message)
        default: return SlipwayError.engine("\(what): \(error)")
        }
    }

    // MARK: Nothing to do: Kubernetes reconciles

    public func restore() async throws {}

    /// Kubernetes restarts pods itself: waits until cancelled.
    public func supervise() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    // MARK: Destroy and volumes

    public func destroy(app: AppName, removingVolumes: Bool) async throws -> DestroyedVolumes {
        try await destroy(app: app)
        let removed = removingVolumes ? try await removeVolumes(of: app) : []
        return DestroyedVolumes(removed: removed, kept: removingVolumes ? [] : ((try? await claims(of: app)) ?? []))
    }

    func destroy(app: AppName) async throws {
        let namespace = namespace(of: app)
        do {
            _ = try await client.delete(.namespace, name: namespace, namespace: nil, propagationPolicy: .foreground)
        } catch let error as KubernetesAPIError where error.kind == .notFound {
            return
        } catch {
            throw Self.slipwayError(error, doing: "deleting namespace \(namespace)")
        }
    }

    func removeVolumes(of app: AppName) async throws -> [String] {
        let names = try await claims(of: app)
        for name in names {
            do {
                _ = try await client.delete(.persistentVolumeClaim, name: name, namespace: namespace(of: app), propagationPolicy: .background)
            } catch let error as KubernetesAPIError where error.kind == .notFound {
                continue
            } catch {
                throw Self.slipwayError(error, doing: "deleting volume \(name)")
            }
        }
        return names
    }

    private func claims(of app: AppName) async throws -> [String] {
        do {
            let list = try await client.list(.persistentVolumeClaim, namespace: namespace(of: app),
                                             options: ListOptions(labelSelector: Self.appSelector(app)))
            return list.items.filter { Self.belongs($0, to: app) }.compactMap(\.metadataName).sorted()
        } catch let error as KubernetesAPIError where error.kind == .notFound {
            return []
        } catch {
            throw Self.slipwayError(error, doing: "listing the volumes of \(app)")
        }
    }

    /// `app.kubernetes.io/name=APP,app.kubernetes.io/managed-by=slipway`.
    static func appSelector(_ app: AppName) -> String {
        "\(Labels.name)=\(app.value),\(Labels.managedBy)=\(Labels.managedByValue)"
    }

    /// Whether an object carries the app's labels (checked again on our side: a selector the
    /// server ignored must not make us touch another app's objects).
    static func belongs(_ object: JSONValue, to app: AppName) -> Bool {
        let labels = object.labels
        return labels[Labels.name] == app.value && labels[Labels.managedBy] == Labels.managedByValue
    }
}

extension KubernetesObject {
    /// The object as the client's JSON value.
    func jsonValue() throws -> JSONValue {
        try JSONValue(jsonData: Data(body.json().utf8))
    }
}

extension KubernetesEngine {
    /// What is wrong with render options (an invalid domain, ingress class...), checked with a
    /// probe release; nil when they are usable.
    public static func problem(with options: KubernetesRenderOptions) -> String? {
        guard let app = try? DNSLabel("probe") else { return nil }
        let release = Release(app: app, version: 1, traceId: "probe", createdAt: Date(), source: SourceInfo(kind: .upload),
                              services: [ReleasedService(name: "web", image: "registry.invalid/probe@sha256:" + String(repeating: "0", count: 64),
                                                         port: 8080, replicas: 1, env: [:], command: nil)],
                              defaultService: "web")
        do {
            _ = try KubernetesRenderer(options: options).render(release)
            return nil
        } catch let error as KubernetesRenderError {
            return error.message
        } catch {
            return "\(error)"
        }
    }
}
