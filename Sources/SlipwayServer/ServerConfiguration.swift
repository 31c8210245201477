import Foundation
import SlipwayCore
import SlipwayEngines
import SlipwayRouter

/// Everything `slipway server` is started with.
public struct ServerConfiguration: Sendable {
    public var listenHost = "127.0.0.1"
    public var listenPort = 7070
    public var routerHost = "127.0.0.1"
    public var routerPort = 7080
    /// The router's HTTPS listener (`--https HOST:PORT`); nil: plain HTTP only.
    public var httpsHost: String?
    public var httpsPort: Int?
    /// `--hsts`: HTTPS responses carry `Strict-Transport-Security` with this value.
    public var strictTransportSecurity: String?
    /// The router's limits and timeouts (`--header-timeout`, `--idle-timeout`, `--max-connections`, `--trusted-proxy`).
    public var router = RouterConfiguration()
    /// The router runs as its own process (`slipway router`), handed the routes over
    /// DATA/router/control.sock, and keeps serving while the server is down. `slipway server` sets
    /// it unless `--in-process-router` (or `--engine kubernetes`); false here, for code that embeds
    /// the server (this process's executable may not be `slipway`) and runs the router inside it.
    public var standaloneRouter = false
    /// `--external-router`: with `--standalone-router`, the router process is started and restarted
    /// by someone else (systemd's `slipway-router.service`); the server waits for it, never starts one.
    public var externalRouter = false
    /// State: the database, deploy logs, workspaces.
    public var dataDirectory: URL
    /// The container engine's Docker-API socket; nil means find one (see `EngineConnector`).
    public var engineSocket: String?
    public var workers = 2
    public var readyTimeout: Duration = .seconds(60)
    /// Each git clone or fetch of a deploy's source ends (and the deploy fails) after this long.
    public var gitTimeout: Duration = .seconds(300)
    /// Limits of every container on the local engine, and of builds (`--build-timeout`).
    public var containerPolicy = ContainerPolicy()
    /// Apps are reachable at `APP.DOMAIN` through the router.
    public var domain = "localhost"
    public var maxUploadBytes = 200 * 1024 * 1024
    /// Images of this many most recent releases per app are kept for rollbacks; older ones are pruned.
    public var keepReleases = 10
    /// The clock scheduled jobs run by (tests move one by hand).
    public var cronClock: any CronClock = SystemCronClock()
    /// The clock scheduled backups run by (its own, so tests move each scheduler's separately).
    public var backupClock: any CronClock = SystemCronClock()
    /// Stored app output per app (all replicas), rotated: `slipway logs --since` reaches this far back.
    public var appLogBytes = 50 * 1024 * 1024
    /// The API token (`SLIPWAY_TOKEN`); nil: the one in the data directory, made on first start.
    /// Every API call but /healthz needs `Authorization: Bearer TOKEN`.
    public var token: String?
    /// `--insecure-no-auth`: no token at all (tests on loopback only).
    public var insecureNoAuth = false
    /// How long a dashboard sign-in lasts (sessions are kept in memory: a restart signs everyone out).
    public var dashboardSessionLifetime: Duration = .seconds(12 * 3600)
    /// `--tls-cert` / `--tls-key`: the API over HTTPS; nil: plain HTTP (warned about off loopback).
    public var tls: APITLSFiles?
    /// Certificates for the custom domains with ACME (`--acme-email`); nil: none are obtained.
    public var acme: ACMESettings?
    /// `--public-url`: the address printed for the server in git remotes and webhook URLs (checked by
    /// `PublicAddress.checked`); nil: the scheme and Host each caller used.
    public var publicURL: String?
    /// Names the API answers to besides loopback names and IP addresses (`--api-host`).
    public var apiHosts: [String] = []
    /// Base images of generated Dockerfiles (repositories without one), per stack: `--stack-image`.
    public var stackImages = StackImages.defaults
    /// The image of each add-on kind and version: `--addon-image`.
    public var addonImages = AddonImages()
    /// `--backup-store`: a directory or `s3://BUCKET/PREFIX`; nil: `DATA/backups`.
    public var backupStore: String?
    /// Where apps run: the local container engine (default) or a Kubernetes cluster.
    public var engine: EngineKind = .local
    /// `--engine kubernetes` only.
    public var kubernetes = KubernetesSettings()
    /// `--allow-source-dir`: directories on the server a deploy's `source` may be (or clone from).
    public var allowedSourceDirectories: [String] = []
    /// `--allow-git-host`: hosts a git source may name although they look like a cloud metadata
    /// service or a link-local address.
    public var allowedGitHosts: Set<String> = []
    /// `--allow-notify-host`: hosts notifications may be posted to although they look like a cloud
    /// metadata service or a link-local address.
    public var allowedNotifyHosts: Set<String> = []
    /// Retries and timeouts of notification deliveries (tests make them short).
    var notifications = Notifier.Configuration()
    /// `--max-clone-mb`: a git clone larger than this on disk is stopped.
    public var maxCloneBytes: Int64 = 1024 * 1_048_576
    /// The program git's `proc-receive` hook runs as `PROGRAM git-hook` for pushes: this server's own
    /// executable (tests of the server in process may name the built `slipway`).
    public var gitHookProgram: String = Self.ownExecutable ?? CommandLine.arguments.first ?? "slipway"
    /// This process's executable as it was started (resolved once).
    static let ownExecutable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    /// The hook program is this very executable: the hook may run it as `/proc/PID/exe`.
    var gitHookRunsThisProcess: Bool { gitHookProgram == Self.ownExecutable }
    /// Deploy queue, API rate, follower and deploy log bounds (429 beyond them).
    public var limits = RequestLimits()
    /// Webhooks from forges and preview apps: body limit, the clock previews' TTL is read on, how often it is.
    public var hooks = HookSettings()
    /// `--ssh HOST:PORT`: the SSH listener for `git push ssh://slipway@HOST:PORT/APP.git`; nil: off.
    public var ssh: SSHListen?

    public enum EngineKind: String, Sendable, CaseIterable {
        case local
        case kubernetes
    }

    /// How the Kubernetes engine reaches the cluster and the registry (SlipwayEngines' settings).
    public typealias KubernetesSettings = KubernetesEngineSettings

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    public static var defaultDataDirectory: URL {
        FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".slipway")
    }

    /// The URL an app is reachable at through the router (or the cluster's Ingress).
    func appURL(_ app: String) -> String {
        if engine == .kubernetes {
            return "\(kubernetes.tlsSecret != nil || kubernetes.clusterIssuer != nil ? "https" : "http")://\(app).\(domain)/"
        }
        return hostURL("\(app).\(domain)")
    }

    /// The URL of a host name served by the local router (an app's custom domain).
    func hostURL(_ host: String) -> String {
        let port = routerPort == 80 ? "" : ":\(routerPort)"
        return "http://\(host)\(port)/"
    }

    var databasePath: String { dataDirectory.appendingPathComponent("slipway.sqlite").path }
    /// Encrypts secret config values; made with 0600 on first start unless SLIPWAY_MASTER_KEY is set.
    var masterKeyPath: URL { dataDirectory.appendingPathComponent("master.key") }
    /// The API token made on first start (0600), found there by the CLI on this machine.
    var adminTokenPath: URL { dataDirectory.appendingPathComponent(AdminToken.fileName) }
    var deployLogsDirectory: URL { dataDirectory.appendingPathComponent("deploys") }
    var workDirectory: URL { dataDirectory.appendingPathComponent("work") }
    var uploadsDirectory: URL { dataDirectory.appendingPathComponent("uploads") }
    var configFilesDirectory: URL { dataDirectory.appendingPathComponent("files") }
    var appLogsDirectory: URL { dataDirectory.appendingPathComponent("logs") }
    /// Backups staged for S3 and fetched for restores and verifications.
    var backupWorkDirectory: URL { dataDirectory.appendingPathComponent("backup-work") }
    /// TLS certificates and keys the router serves: `certs/HOST/{cert.pem,key.pem}` (see CertificateStore).
    public var certificatesDirectory: URL { dataDirectory.appendingPathComponent("certs") }
    /// The ACME account's key (0600), made on first use.
    var acmeAccountKeyPath: URL { dataDirectory.appendingPathComponent("acme/account-key.pem") }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The API's base URL as a client on this machine would write it.
    var apiURL: String {
        let host = listenHost.contains(":") ? "[\(listenHost)]" : listenHost
        return "\(tls == nil ? "http" : "https")://\(host):\(listenPort)"
    }

    /// Why this API is exposed in the clear, if it is: a listener off loopback without TLS.
    var plaintextExposureWarning: String? {
        guard tls == nil, !Self.isLoopback(listenHost) else { return nil }
        return "the API listens on \(listenHost):\(listenPort) without TLS: the API token and every secret sent to it cross the network in the clear. Start with --tls-cert FILE --tls-key FILE (or listen on 127.0.0.1 behind a TLS proxy)"
    }

    /// SLIPWAY_MASTER_KEY holds the master key (no key file: `secrets rotate-key` is refused).
    var masterKeyFromEnvironment = false

    /// This configuration with the token in force.
    func with(token: String?) -> ServerConfiguration {
        var copy = self
        copy.token = token
        return copy
    }

    /// Refuses configurations that would expose the API without a token.
    func validate() throws {
        if externalRouter, !standaloneRouter {
            throw ServerStartupError("--external-router goes with --standalone-router (the router process someone else runs)")
        }
        if standaloneRouter, engine == .kubernetes {
            throw ServerStartupError("--standalone-router needs the local engine: with --engine kubernetes the cluster's Ingress routes apps")
        }
        if insecureNoAuth, !Self.isLoopback(listenHost) {
            throw ServerStartupError("--insecure-no-auth would give the whole API to anyone who reaches \(listenHost); it is allowed on loopback only (--listen 127.0.0.1:PORT)")
        }
        if let token, !token.isEmpty {
            if insecureNoAuth { throw ServerStartupError("SLIPWAY_TOKEN and --insecure-no-auth exclude each other; unset one") }
            try AdminToken.check(token, origin: "SLIPWAY_TOKEN")
        }
        for name in apiHosts where AllowedHosts.hostName(name) != name.lowercased() {
            throw ServerStartupError("--api-host takes a host name without port or scheme, e.g. slipway.example.com (got \(name))")
        }
        try acme?.validate(engine: engine)
        if workers < 1 { throw ServerStartupError("--workers must be at least 1") }
        if keepReleases < 1 { throw ServerStartupError("--keep-releases must be at least 1") }
        if appLogBytes < 1024 * 1024 { throw ServerStartupError("--app-log-mb must be at least 1") }
        if engine == .kubernetes {
            guard let registry = kubernetes.registry, !registry.isEmpty else {
                throw ServerStartupError("--engine kubernetes needs --registry HOST[:PORT]/PREFIX: images are pushed there for the cluster to pull")
            }
            if kubernetes.tlsSecret != nil, kubernetes.clusterIssuer != nil {
                throw ServerStartupError("--tls-secret and --cluster-issuer exclude each other; pass one")
            }
        } else if kubernetes.registry != nil || kubernetes.kubeconfig != nil || kubernetes.context != nil || kubernetes.ingressClass != nil
                    || kubernetes.tlsSecret != nil || kubernetes.clusterIssuer != nil {
            throw ServerStartupError("--kubeconfig, --context, --registry, --ingress-class, --tls-secret and --cluster-issuer need --engine kubernetes")
        }
    }
}

/// Why the server could not start; the message says what to do.
public struct ServerStartupError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
