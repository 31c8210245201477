import Foundation
import SlipwayCore

/// The app page's view: services and replicas, releases, config vars, events.
struct AppDetail {
    struct Replica {
        var label: String
        var state: String
        var ready: Bool
        var restarts: Int
        var age: String
        var release: Int
    }

    struct Service {
        var name: String
        var ready: Int
        var desired: Int
        var replicas: [Replica]
    }

    struct ReleaseRow {
        var version: Int
        var current: Bool
        var traceId: String
        var at: String
        var ago: String
        var description: String
    }

    struct ConfigRow {
        var key: String
        var value: String
        var secret: Bool
    }

    struct EventRow {
        var at: String
        var ago: String
        var kind: String
        var replica: String
        var message: String
    }

    var signedIn = true
    var csrf: String
    var name: String
    var appName: String
    var status: String
    var release: Int?
    var urls: [String]
    var maintenance: Bool
    var services: [Service]
    var releases: [ReleaseRow]
    var hasRelease: Bool
    var config: [ConfigRow]
    var events: [EventRow]
    var gitURL: String
    var gitRef: String
    var maxReplicas = ManifestParser.maxReplicas

    init(app: AppView, latest: DeployView?, releases: [ReleaseView], config: ConfigView?, events: [AppEvent], csrf: String, now: Date = Date()) {
        self.csrf = csrf
        name = app.name
        appName = app.name
        status = AppSummary.status(app, latest: latest)
        release = app.currentRelease
        urls = AppSummary.urls(app)
        maintenance = app.maintenance != nil
        services = app.services.map { service in
            Service(name: service.name, ready: service.readyReplicas, desired: service.replicas,
                    replicas: service.instances.sorted { $0.index < $1.index }.map {
                        Replica(label: "\($0.service).\($0.index)", state: $0.state, ready: $0.ready, restarts: $0.restarts,
                                age: $0.startedAt.map { TimeText.ago($0, now: now) } ?? "", release: $0.release)
                    })
        }
        self.releases = releases.sorted { $0.version > $1.version }.map {
            ReleaseRow(version: $0.version, current: $0.current, traceId: $0.traceId, at: TimeText.machine($0.createdAt),
                       ago: TimeText.ago($0.createdAt, now: now), description: $0.description ?? "")
        }
        hasRelease = config != nil
        let secrets = Set(config?.secretKeys ?? [])
        self.config = (config?.config ?? [:]).sorted { $0.key < $1.key }.map {
            // The API already answers [redacted] for secrets; the page never shows their values either way.
            ConfigRow(key: $0.key, value: secrets.contains($0.key) ? "" : $0.value, secret: secrets.contains($0.key))
        }
        self.events = events.sorted { ($0.seq ?? 0, $0.time) > ($1.seq ?? 0, $1.time) }.map {
            EventRow(at: TimeText.machine($0.time), ago: TimeText.ago($0.time, now: now), kind: $0.kind.rawValue, replica: $0.replica ?? "",
                     message: $0.message)
        }
        let source = releases.first { $0.current }?.source ?? latest?.source
        gitURL = source?.kind == .git ? source?.url ?? "" : ""
        gitRef = source?.kind == .git ? source?.ref ?? "" : ""
    }
}
