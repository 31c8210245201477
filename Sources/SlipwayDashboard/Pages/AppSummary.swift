import Foundation
import SlipwayCore

/// One app as the apps page lists it, from its API view and its latest deploy.
struct AppSummary: Encodable {
    struct ServiceCount: Encodable {
        var name: String
        var ready: Int
        var desired: Int
    }

    struct LastDeploy: Encodable {
        var traceId: String
        var status: String
        var at: String
        var ago: String
    }

    var name: String
    var status: String
    var release: Int?
    var services: [ServiceCount]
    var urls: [String]
    var lastDeploy: LastDeploy?

    init(_ app: AppView, latest: DeployView?, now: Date = Date()) {
        name = app.name
        status = Self.status(app, latest: latest)
        release = app.currentRelease
        services = app.services.map { ServiceCount(name: $0.name, ready: $0.readyReplicas, desired: $0.replicas) }
        urls = Self.urls(app)
        lastDeploy = latest.map {
            LastDeploy(traceId: $0.traceId, status: $0.status.rawValue, at: TimeText.machine($0.createdAt), ago: TimeText.ago($0.createdAt, now: now))
        }
    }

    /// serving / deploying / failed / crashlooping, or starting and stopped in between.
    static func status(_ app: AppView, latest: DeployView?) -> String {
        if latest?.status == .inProgress { return "deploying" }
        let replicas = app.services.flatMap(\.instances)
        // A replica the reconciler keeps restarting and that is not up now.
        if replicas.contains(where: { $0.restarts >= 3 && !$0.ready }) { return "crashlooping" }
        if latest?.status == .error { return "failed" }
        let desired = app.services.reduce(0) { $0 + $1.replicas }
        if app.currentRelease == nil { return "failed" }
        if desired == 0 { return "stopped" }
        return app.services.allSatisfy { $0.readyReplicas >= $0.replicas } ? "serving" : "starting"
    }

    /// The app's URLs: one per service, then its custom domains'.
    static func urls(_ app: AppView) -> [String] {
        var urls = app.services.map(\.url)
        if urls.isEmpty { urls = [app.url] }
        urls += (app.domains ?? []).map(\.url)
        var seen = Set<String>()
        return urls.filter { seen.insert($0).inserted }
    }
}
