import Foundation
import SlipwayCore

/// The app page's view: services and replicas, releases, config vars, events.
struct AppDetail {
    struct Replica: Encodable {
        var label: String
        var state: String
        var ready: Bool
        var restarts: Int
        var age: String
        var release: Int
        var cpu: String
        var memory: String
    }

    struct Service: Encodable {
        var name: String
        var ready: Int
        var desired: Int
        var replicas: [Replica]
    }

    struct ReleaseRow: Encodable {
        var version: Int
        var current: Bool
        var traceId: String
        var at: String
        var ago: String
        var description: String
    }

    struct ConfigRow: Encodable {
        var key: String
        var value: String
        var secret: Bool
    }

    struct DomainRow {
        var host: String
        var url: String
        var service: String
        var certificate: String
        var certificateProblem: Bool
    }

    struct EventRow: Encodable {
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
    var domains: [DomainRow]
    var hasDomains: Bool
    var releases: [ReleaseRow]
    var hasRelease: Bool
    var config: [ConfigRow]
    var events: [EventRow]
    var gitURL: String
    var gitRef: String
    var maxReplicas = ManifestParser.maxReplicas

    init(app: AppView, latest: DeployView?, releases: [ReleaseView], config: ConfigView?, events: [AppEvent],
         certificates: [CertificateView] = [], csrf: String, now: Date = Date()) {
        self.csrf = csrf
        name = app.name
        appName = app.name
        status = AppSummary.status(app, latest: latest)
        release = app.currentRelease
        urls = AppSummary.urls(app)
        maintenance = app.maintenance != nil
        services = Self.services(app, now: now)
        domains = (app.domains ?? []).map { Self.domainRow($0, certificates: certificates, now: now) }
        hasDomains = !domains.isEmpty
        self.releases = Self.releases(releases, now: now)
        hasRelease = config != nil
        self.config = Self.config(config)
        self.events = Self.events(events, now: now)
        let source = releases.first { $0.current }?.source ?? latest?.source
        gitURL = source?.kind == .git ? source?.url ?? "" : ""
        gitRef = source?.kind == .git ? source?.ref ?? "" : ""
    }

    /// Releases newest first, as the page (and its live updates) list them.
    static func releases(_ releases: [ReleaseView], now: Date = Date()) -> [ReleaseRow] {
        releases.sorted { $0.version > $1.version }.map {
            ReleaseRow(version: $0.version, current: $0.current, traceId: $0.traceId, at: TimeText.machine($0.createdAt),
                       ago: TimeText.ago($0.createdAt, now: now), description: $0.description ?? "")
        }
    }

    /// Config vars by name; a secret's value is never part of the page.
    static func config(_ config: ConfigView?) -> [ConfigRow] {
        let secrets = Set(config?.secretKeys ?? [])
        return (config?.config ?? [:]).sorted { $0.key < $1.key }.map {
            // The API already answers [redacted] for secrets; the page never shows their values either way.
            ConfigRow(key: $0.key, value: secrets.contains($0.key) ? "" : $0.value, secret: secrets.contains($0.key))
        }
    }

    /// Events newest first, as the page lists them.
    static func events(_ events: [AppEvent], now: Date = Date()) -> [EventRow] {
        events.sorted { ($0.seq ?? 0, $0.time) > ($1.seq ?? 0, $1.time) }.map {
            EventRow(at: TimeText.machine($0.time), ago: TimeText.ago($0.time, now: now), kind: $0.kind.rawValue, replica: $0.replica ?? "",
                     message: $0.message)
        }
    }

    /// Services and their replicas as the page (and its live updates) show them.
    static func services(_ app: AppView, now: Date = Date()) -> [Service] {
        app.services.map { service in
            Service(name: service.name, ready: service.readyReplicas, desired: service.replicas,
                    replicas: service.instances.sorted { $0.index < $1.index }.map {
                        Replica(label: "\($0.service).\($0.index)", state: $0.state, ready: $0.ready, restarts: $0.restarts,
                                age: $0.startedAt.map { TimeText.ago($0, now: now) } ?? "", release: $0.release,
                                cpu: $0.cpuPercent.map { String(format: "%.1f %%", $0) } ?? "",
                                memory: $0.memoryBytes.map { ByteText.megabytes($0) } ?? "")
                    })
        }
    }

    /// A custom domain with the certificate served for it: the one stored for its host, else one
    /// whose names cover it (a wildcard).
    static func domainRow(_ domain: DomainView, certificates: [CertificateView], now: Date) -> DomainRow {
        let certificate = certificates.first { $0.host == domain.host }
            ?? certificates.first { certificate in certificate.names.contains { DomainMatch.covers($0, domain.host) } }
        var text = "none (plain HTTP)"
        var problem = false
        if let certificate {
            if let error = certificate.error {
                text = "unusable: \(error)"
                problem = true
            } else {
                let from = [certificate.source, certificate.issuer].compactMap { $0 }.joined(separator: ", ")
                let expiry = certificate.notAfter.map { ($0 < now ? "expired " : "expires ") + TimeText.day($0) } ?? ""
                text = [from, expiry].filter { !$0.isEmpty }.joined(separator: " · ")
                problem = certificate.notAfter.map { $0 < now } ?? false
            }
        }
        return DomainRow(host: domain.host, url: domain.url, service: domain.service ?? "default", certificate: text, certificateProblem: problem)
    }
}

/// Whether a certificate name (`*.example.com` or exact) covers a host.
enum DomainMatch {
    static func covers(_ name: String, _ host: String) -> Bool {
        let (name, host) = (name.lowercased(), host.lowercased())
        if name == host { return true }
        guard name.hasPrefix("*.") else { return false }
        let suffix = name.dropFirst(1)
        return host.hasSuffix(suffix) && !host.dropLast(suffix.count).contains(".") && host.count > suffix.count
    }
}

/// Memory as the pages show it.
enum ByteText {
    static func megabytes(_ bytes: UInt64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
