import DockerAPI
import Foundation
import SlipwayCore

/// One network per app on the local engine: an app's replicas and one-off containers join it, so
/// they reach each other but no other app's containers (the networks are made `isolate`d). The
/// router does not need them: it reaches replicas through the ports they publish on loopback.
struct AppNetworks: Sendable {
    let docker: DockerClient
    let labels: ContainerLabels

    /// The app's network, made if missing (labelled, so it can be found and removed with the app).
    func ensure(app: String) async throws -> String {
        let name = labels.names.network(app: app)
        try await docker.createNetwork(name: name, labels: labels.owned(by: app).merging([ContainerLabels.network: app]) { _, new in new },
                                       isolated: true)
        return name
    }

    /// Removes the app's network once its containers are gone (a destroy).
    func remove(app: AppName) async {
        for name in (try? await docker.listNetworks(labelFilters: labels.filters(app: app) + [ContainerLabels.network])) ?? [] {
            try? await docker.removeNetwork(name)
        }
    }
}
