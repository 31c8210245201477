import Foundation
import SlipwayCore

/// The text the CLI prints for each API result, for people. Pure (the clock and the time zone are
/// parameters), so the output is tested as users see it.
public enum Reports {
    /// `slipway status`: the stages table, then the total and, on failure, the reason.
    public static func status(_ view: DeployView, now: Date, timeZone: TimeZone = .current) -> String {
        var table = TextTable(header: ["STAGE", "STATUS", "STARTED", "DURATION", "MESSAGE"])
        for stage in view.stages {
            table.rows.append([
                stage.name,
                stage.status.rawValue,
                stage.startedAt.map { Format.clock($0, timeZone: timeZone) } ?? "-",
                Format.stageSeconds(stage, now: now).map(Format.duration) ?? "-",
                stage.message ?? "",
            ])
        }
        var lines = ["deploy \(view.traceId) of \(view.apps.isEmpty ? view.app : view.apps.joined(separator: ", ")) from \(Format.source(view.source))", "", table.render(), ""]
        switch view.status {
        case .inProgress:
            lines.append("total: IN PROGRESS for \(Format.duration(now.timeIntervalSince(view.createdAt)))")
        case .completed, .error:
            let total = view.totalSeconds ?? view.finishedAt.map { $0.timeIntervalSince(view.createdAt) }
            var line = "total: \(view.status.rawValue)" + (total.map { " in \(Format.duration($0))" } ?? "")
            if let release = view.release { line += " (release v\(release))" }
            lines.append(line)
        }
        if view.status == .error {
            lines.append("error: \(DeployProgressFormatter.failure(view))")
        }
        return lines.joined(separator: "\n")
    }

    /// `slipway ps APP`: one line per replica.
    public static func replicas(_ list: ReplicaList, now: Date) -> String {
        guard !list.replicas.isEmpty else { return "no replicas" }
        var table = TextTable(header: ["REPLICA", "RELEASE", "STATE", "READY", "RESTARTS", "AGE", "PORT", "LIMITS"])
        for replica in list.replicas {
            table.rows.append([
                "\(replica.service).\(replica.index)", "v\(replica.release)", replica.state, replica.ready ? "yes" : "no",
                String(replica.restarts), replica.startedAt.map { Format.duration(now.timeIntervalSince($0)) } ?? "-",
                replica.hostPort.map(String.init) ?? "-", replica.limits ?? "-",
            ])
        }
        return table.render()
    }

    /// `slipway apps`.
    public static func apps(_ list: AppList) -> String {
        guard !list.apps.isEmpty else { return "no apps yet; deploy one with `slipway deploy FOLDER_OR_GIT_URL`" }
        var table = TextTable(header: ["NAME", "RELEASE", "SERVICES", "URL"])
        for app in list.apps.sorted(by: { $0.name < $1.name }) {
            let urls = [app.url] + (app.domains ?? []).map(\.url)
            table.rows.append([app.name + (app.maintenance != nil ? " (maintenance)" : ""), Format.release(app.currentRelease),
                               Format.services(app.services), urls.joined(separator: " ")])
        }
        return table.render()
    }

    /// `slipway info APP`: the app, its services, then every replica.
    public static func info(_ app: AppView, timeZone: TimeZone = .current) -> String {
        var lines = [
            TextTable(header: ["app", app.name], rows: [
                ["url", app.url],
            ] + (app.domains ?? []).map { ["domain", $0.url + ($0.service.map { " (service \($0))" } ?? "")] } + [
                ["release", Format.release(app.currentRelease)],
                ["created", Format.dateTime(app.createdAt, timeZone: timeZone)],
            ] + (app.maintenance.map { [["maintenance", "on since \(Format.dateTime($0.since ?? app.createdAt, timeZone: timeZone))" + ($0.message.map { ": \($0)" } ?? "")]] } ?? [])
            ).render(),
            "",
        ]
        guard !app.services.isEmpty else {
            lines.append("no services running (no release yet, or it was stopped)")
            return lines.joined(separator: "\n")
        }
        var services = TextTable(header: ["SERVICE", "READY", "PORT", "URL"])
        var replicas = TextTable(header: ["SERVICE", "REPLICA", "RELEASE", "STATE", "READY", "HOST PORT", "CONTAINER"])
        for service in app.services {
            services.rows.append([service.name, "\(service.readyReplicas)/\(service.replicas)", "\(service.port)", service.url])
            for replica in service.instances.sorted(by: { $0.index < $1.index }) {
                replicas.rows.append([
                    service.name, "\(replica.index)", "v\(replica.release)", replica.state,
                    replica.ready ? "yes" : "no", replica.hostPort.map(String.init) ?? "-",
                    // A pod's name is shown whole, with its node; a container id shortened.
                    replica.node.map { "\(replica.containerId) on \($0)" }
                        ?? (replica.containerId.allSatisfy(\.isHexDigit) ? String(replica.containerId.prefix(12)) : replica.containerId),
                ])
            }
        }
        lines.append(services.render())
        lines.append("")
        lines.append(replicas.rows.isEmpty ? "no replicas" : replicas.render())
        return lines.joined(separator: "\n")
    }

    /// `slipway domains APP`: each custom host, the service it goes to, its URL.
    public static func domains(_ list: DomainList) -> String {
        guard !list.domains.isEmpty else { return "\(list.app) has no custom domains; add one with `slipway domains add \(list.app) HOST`" }
        var table = TextTable(header: ["HOST", "SERVICE", "URL"])
        for domain in list.domains { table.rows.append([domain.host, domain.service ?? "(default)", domain.url]) }
        return table.render()
    }

    /// `slipway maintenance APP`: whether it is on, since when, and the message shown.
    public static func maintenance(_ view: MaintenanceView, timeZone: TimeZone = .current) -> String {
        guard view.enabled else { return "\(view.app): maintenance mode is off" }
        let since = view.since.map { " since \(Format.dateTime($0, timeZone: timeZone))" } ?? ""
        let retry = view.retryAfterSeconds.map { " (Retry-After: \($0) s)" } ?? ""
        return "\(view.app): maintenance mode is on\(since); the router answers 503\(retry)" + (view.message.map { " with: \($0)" } ?? "")
    }

    /// `slipway releases APP`: newest first, the current one marked.
    public static func releases(_ list: ReleaseList, timeZone: TimeZone = .current) -> String {
        guard !list.releases.isEmpty else { return "no releases yet" }
        var table = TextTable(header: ["VERSION", "CREATED", "SOURCE", "TRACE"])
        for release in list.releases.sorted(by: { $0.version > $1.version }) {
            table.rows.append([
                "v\(release.version)" + (release.current ? " (current)" : ""),
                Format.dateTime(release.createdAt, timeZone: timeZone),
                Format.source(release.source),
                release.traceId,
            ])
        }
        return table.render()
    }

    /// `slipway destroy APP`: what went away, as far as the CLI could see it beforehand.
    public static func destroyed(_ result: DestroyResult, app: AppView?, releases: ReleaseList?) -> String {
        var removed: [String] = []
        if let app {
            let replicas = app.services.reduce(0) { $0 + $1.instances.count }
            if !app.services.isEmpty {
                removed.append(plural(app.services.count, "service") + " (" + app.services.map(\.name).joined(separator: ", ") + ")")
            }
            removed.append(plural(replicas, "replica"))
        }
        if let releases { removed.append(plural(releases.releases.count, "release")) }
        if let app { removed.append("the route \(app.url)") }
        guard result.destroyed else { return "\(result.app) was not destroyed" }
        if !result.volumesRemoved.isEmpty { removed.append(plural(result.volumesRemoved.count, "volume")) }
        var report = removed.isEmpty ? "destroyed \(result.app)" : "destroyed \(result.app): removed " + removed.joined(separator: ", ")
        if !result.volumesKept.isEmpty {
            report += "\nkept \(plural(result.volumesKept.count, "volume")) (\(result.volumesKept.joined(separator: ", "))); "
                + "`slipway destroy \(result.app) --volumes` removes them"
        }
        return report
    }

    /// `2026-01-02T03:04:05.123Z  replica.crashed     web.1 exited with code 1`
    public static func eventLine(_ event: AppEvent) -> String {
        let kind = event.kind.rawValue.padding(toLength: max(18, event.kind.rawValue.count), withPad: " ", startingAt: 0)
        return "\(Timestamp.string(event.time))  \(kind)  \(event.message)"
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

/// The last `capacity` lines of a stream: the deploy log tail printed when a deploy fails.
public struct LastLines: Sendable {
    public let capacity: Int
    public private(set) var lines: [String] = []

    public init(capacity: Int) { self.capacity = capacity }

    public mutating func append(_ line: String) {
        lines.append(line)
        if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
    }
}
