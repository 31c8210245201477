import DockerAPI
import Foundation
import KubernetesAPI
import Logging
import OCIRegistry
import SlipwayCore
import SlipwayKubernetes

/// How the Kubernetes engine reaches the cluster and the registry, and how apps are exposed.
public struct KubernetesEngineSettings: Sendable {
    /// nil: KUBECONFIG, then ~/.kube/config.
    public var kubeconfig: String?
    /// nil: the kubeconfig's current-context.
    public var context: String?
    /// `HOST[:PORT]/PREFIX` images are pushed to (required).
    public var registry: String?
    /// Plain http to the registry (nil: only for loopback hosts).
    public var registryInsecure: Bool?
    public var ingressClass: String?
    public var tlsSecret: String?
    public var clusterIssuer: String?
    public var ingressControllerNamespace = "ingress-nginx"
    /// `--k8s-allow-tolerate-all-taints`: a toleration without key is refused otherwise.
    public var allowTolerateAllTaints = false
    public init() {}
}

/// Why the Kubernetes engine cannot be made from its settings (a kubeconfig that does not load,
/// options the renderer refuses, a registry that does not parse); the message says what to do.
public struct KubernetesEngineSetupError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// `--engine kubernetes`: the cluster client from the kubeconfig, and the engine.
public enum KubernetesEngineFactory {
    public static func client(_ settings: KubernetesEngineSettings, logger: Logger) throws -> KubernetesClient {
        do {
            let clusterConfiguration = try Kubeconfig.load(path: settings.kubeconfig).configuration(context: settings.context)
            return try KubernetesClient(configuration: clusterConfiguration, logger: logger)
        } catch let error as KubeconfigError {
            throw KubernetesEngineSetupError("kubeconfig: \(error.description)")
        } catch let error as KubernetesAPIError {
            throw KubernetesEngineSetupError("Kubernetes client: \(error.description)")
        }
    }

    /// `domain`: apps are reachable at `APP.DOMAIN` through the cluster's Ingress.
    public static func engine(_ settings: KubernetesEngineSettings, domain: String, readyTimeout: Duration, client: KubernetesClient,
                              builder: LocalEngine, docker: DockerClient, releases: any CurrentReleases, secretHashKey: [UInt8],
                              logger: Logger) throws -> KubernetesEngine {
        let tls: KubernetesRenderOptions.TLS = settings.tlsSecret.map { .secret($0) } ?? settings.clusterIssuer.map { .clusterIssuer($0) } ?? .none
        var options = KubernetesRenderOptions(domain: domain, ingressClass: settings.ingressClass, tls: tls,
                                              ingressControllerNamespace: settings.ingressControllerNamespace,
                                              secretHashKey: secretHashKey)
        options.allowTolerateAllTaints = settings.allowTolerateAllTaints
        // The options are checked now, so a bad one stops the start rather than the first deploy.
        if let problem = KubernetesEngine.problem(with: options) { throw KubernetesEngineSetupError(problem) }
        var engineConfiguration = KubernetesEngine.Configuration(registry: settings.registry ?? "", renderOptions: options)
        engineConfiguration.registryInsecure = settings.registryInsecure
        let environment = ProcessInfo.processInfo.environment
        if let username = environment["SLIPWAY_REGISTRY_USERNAME"], let password = environment["SLIPWAY_REGISTRY_PASSWORD"] {
            engineConfiguration.registryCredentials = RegistryCredentials(username: username, password: password)
        }
        engineConfiguration.readyTimeout = readyTimeout
        do {
            _ = try KubernetesEngine.Configuration.splitRegistry(engineConfiguration.registry)
        } catch let error as SlipwayError {
            throw KubernetesEngineSetupError(error.message)
        }
        logger.info("Kubernetes engine", metadata: [
            "k8s.server": "\(client.configuration.server)", "k8s.context": "\(client.configuration.contextName ?? "-")",
            "registry": "\(engineConfiguration.registry)",
        ])
        return KubernetesEngine(client: client, builder: builder, docker: docker, releases: releases,
                                configuration: engineConfiguration, logger: logger)
    }

    /// Whether the cluster answers with these credentials; a warning only (it may come up later,
    /// and each deploy reports what failed).
    public static func probe(_ client: KubernetesClient, logger: Logger) async {
        do {
            let version = try await client.serverVersion()
            logger.info("Kubernetes cluster answers", metadata: ["k8s.version": "\(version["gitVersion"]?.stringValue ?? "?")"])
        } catch {
            logger.warning("the Kubernetes cluster does not answer yet; deploys will fail until it does", metadata: ["error": "\(error)"])
        }
    }
}
