import DockerAPI
import KubernetesAPI
import Logging
import SlipwayEngines

// `slipway server`'s side of `KubernetesEngineFactory` (SlipwayEngines): its configuration in,
// and a setup error out as the reason the server does not start.
extension KubernetesEngineFactory {
    static func client(_ configuration: ServerConfiguration, logger: Logger) throws -> KubernetesClient {
        try startup { try client(configuration.kubernetes, logger: logger) }
    }

    static func engine(_ configuration: ServerConfiguration, client: KubernetesClient, builder: LocalEngine, docker: DockerClient,
                       releases: any CurrentReleases, secretHashKey: [UInt8], logger: Logger) throws -> KubernetesEngine {
        try startup {
            try engine(configuration.kubernetes, domain: configuration.domain, readyTimeout: configuration.readyTimeout, client: client,
                       builder: builder, docker: docker, releases: releases, secretHashKey: secretHashKey, logger: logger)
        }
    }

    private static func startup<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KubernetesEngineSetupError {
            throw ServerStartupError(error.description)
        }
    }
}
