import Foundation
import Hummingbird
import SlipwayCore
import SlipwayEngines
import SlipwayStore

/// App endpoints: list, show (services, replicas, URLs and custom domains, current release), releases, destroy.
struct AppController: Sendable {
    let store: SlipwayStore
    let engine: any Engine
    let configuration: ServerConfiguration
    /// The app's stored output goes with it.
    let appLogs: AppLogStore
    /// Its custom hosts and maintenance page go with it too.
    let edge: AppEdge
    /// Each replica's CPU and memory now.
    var metrics: MetricsHistory?
    /// Where pushes went (the app's repository goes with it).
    var repositories: GitRepositories?

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps") { _, _ in
            // One look at the engine for every app (a listing of a hundred containers costs what one of one does).
            let records = try store.apps()
            let replicas = try await engine.replicas(of: records.map(\.name))
            var views: [AppView] = []
            for record in records { views.append(try await appView(record, replicas: replicas[record.name] ?? [])) }
            return try JSONResponse.make(AppList(apps: views))
        }
        router.get("/v1/apps/:app") { _, context in
            try JSONResponse.make(try await appView(try existingApp(context.parameters.require("app"))))
        }
        router.get("/v1/apps/:app/releases") { _, context in
            let record = try existingApp(try context.parameters.require("app"))
            let releases = try store.releases(of: record.name)
                .map { ReleaseView(release: $0, current: $0.version == record.currentRelease) }
            return try JSONResponse.make(ReleaseList(releases: releases))
        }
        router.get("/v1/apps/:app/replicas") { _, context in
            let record = try existingApp(try context.parameters.require("app"))
            return try JSONResponse.make(ReplicaList(replicas: try await engine.replicas(of: record.name)))
        }
        router.delete("/v1/apps/:app") { request, context in
            let record = try existingApp(try context.parameters.require("app"))
            let removeVolumes = try QueryFlag.value(request.uri.queryParameters.get("volumes"), name: "volumes")
            // Volumes hold data a redeploy of the app would want back: kept unless asked for.
            let volumes = try await AppRemoval(store: store, engine: engine, appLogs: appLogs, edge: edge, repositories: repositories)
                .destroy(record.name, removingVolumes: removeVolumes)
            return try JSONResponse.make(DestroyResponse(app: record.name.value, destroyed: true,
                                                         volumesRemoved: volumes.removed, volumesKept: volumes.kept))
        }
    }

    struct DestroyResponse: Encodable {
        var app: String
        var destroyed: Bool
        var volumesRemoved: [String]
        var volumesKept: [String]
    }

    func existingApp(_ raw: String) throws -> AppRecord {
        let name = try DNSLabel(raw)
        guard let record = try store.app(name) else {
            throw SlipwayError.notFound("no app named \(name); `slipway apps` lists them, `slipway deploy` creates one")
        }
        return record
    }

    func appView(_ record: AppRecord) async throws -> AppView {
        try await appView(record, replicas: try await engine.replicas(of: record.name))
    }

    /// The app as the API shows it, with `replicas` as the engine listed them.
    func appView(_ record: AppRecord, replicas engineReplicas: [ReplicaView]) async throws -> AppView {
        let release = try store.currentRelease(of: record.name)
        var replicas = engineReplicas
        let usage = await metrics?.replicas(of: record.name.value) ?? []
        for index in replicas.indices {
            guard let now = usage.first(where: { $0.containerId == replicas[index].containerId }) else { continue }
            replicas[index].cpuPercent = now.cpuPercent
            replicas[index].memoryBytes = now.memoryBytes
        }
        let services = (release?.services ?? []).map { service in
            let instances = replicas.filter { $0.service == service.name && $0.release == release?.version }
            let host = service.name == release?.defaultService ? record.name.value : "\(service.name).\(record.name.value)"
            return ServiceView(name: service.name, url: configuration.appURL(host), port: service.port,
                               replicas: service.replicas, readyReplicas: instances.filter(\.ready).count, instances: instances)
        }
        let maintenance = try store.maintenance(of: record.name).first.map {
            MaintenanceView(app: record.name.value, enabled: true, message: $0.message, since: $0.since)
        }
        return AppView(name: record.name.value, url: configuration.appURL(record.name.value), createdAt: record.createdAt,
                       currentRelease: record.currentRelease, services: services,
                       domains: try DomainController.views(try store.domains(of: record.name), configuration), maintenance: maintenance,
                       lastDeploy: try store.deploys(app: record.name, limit: 1).first)
    }
}
