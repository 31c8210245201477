import DockerAPI
import Foundation
import KubernetesAPI
import Logging
import OCIRegistry
import SlipwayCore
import SlipwayEngines
import SlipwayKubernetes

/// `--engine kubernetes`: the cluster client from the kubeconfig, and the engine.
enum KubernetesEngineFactory {
    static func client(_ configuration: ServerConfiguration, logger: Logger) throws -> KubernetesClient {
        let settings = configuration.kubernetes
        do {
            let clusterConfiguration = try Kubeconfig.load(path: settings.kubeconfig).configuration(context: settings.context)
            return try KubernetesClient(configuration: clusterConfiguration, logger: logger)
        } catch let error as KubeconfigError {
            throw ServerStartupError("kubeconfig: \(error.description)")
        } catch let error as KubernetesAPIError {
            throw ServerStartupError("Kubernetes client: \(error.description)")
        }
    }

    static func engine(_ configuration: ServerConfiguration, client: KubernetesClient, builder: LocalEngine, docker: DockerClient,
                       releases: any CurrentReleases, secretHashKey: [UInt8], logger: Logger) throws -> KubernetesEngine {
        let settings = configuration.kubernetes
        let tls: KubernetesRenderOptions.TLS = settings.tlsSecret.map { .secret($0) } ?? settings.clusterIssuer.map { .clusterIssuer($0) } ?? .none
        var options = KubernetesRenderOptions(domain: configuration.domain, ingressClass: settings.ingressClass, tls: tls,
                                              ingressControllerNamespace: settings.ingressControllerNamespace,
                                              secretHashKey: secretHashKey)
        options.allowTolerateAllTaints = settings.allowTolerateAllTaints
        // The options are checked now, so a bad one stops the start rather than the first deploy.
        if let problem = KubernetesEngine.problem(with: options) { throw ServerStartupError(problem) }
        var engineConfiguration = KubernetesEngine.Configuration(registry: settings.registry ?? "", renderOptions: options)
        engineConfiguration.registryInsecure = settings.registryInsecure
        let environment = ProcessInfo.processInfo.environment
        if let username = environment["SLIPWAY_REGISTRY_USERNAME"], let password = environment["SLIPWAY_REGISTRY_PASSWORD"] {
            engineConfiguration.registryCredentials = RegistryCredentials(username: username, password: password)
        }
        engineConfiguration.readyTimeout = configuration.readyTimeout
        do {
            _ = try KubernetesEngine.Configuration.splitRegistry(engineConfiguration.registry)
        } catch let error as SlipwayError {
            throw ServerStartupError(error.message)
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
    static func probe(_ client: KubernetesClient, logger: Logger) async {
        do {
            let version = try await client.serverVersion()
            logger.info("Kubernetes cluster answers", metadata: ["k8s.version": "\(version["gitVersion"]?.stringValue ?? "?")"])
        } catch {
            logger.warning("the Kubernetes cluster does not answer yet; deploys will fail until it does", metadata: ["error": "\(error)"])
        }
    }
}
