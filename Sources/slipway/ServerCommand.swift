import ArgumentParser
import Foundation
import Logging
import SlipwayCore
import SlipwayEngines
import SlipwayRouter
import SlipwayServer

/// Subcommands that need the server library; the root command lists these beside the client ones.
let extraSubcommands: [any ParsableCommand.Type] = [ServerCommand.self, RouterCommand.self, InstallSystemdCommand.self, K8s.self, GitHookCommand.self]

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the Slipway control plane: the API, the deploy workers and the router.",
        discussion: """
        Apps are reached through the router at http://APP.localhost:ROUTER_PORT/. State lives under --data.
        With --tls-cert/--tls-key the API is https:// (clients trust a private CA with --ca-file or SLIPWAY_CA_FILE).
        Every API call but /healthz needs `Authorization: Bearer TOKEN`. The token is SLIPWAY_TOKEN
        (at least 32 characters: `openssl rand -hex 32`), else the one in DATA/admin.token, made
        with mode 0600 on first start; the CLI on this machine finds it there.
        """)

    @Option(help: "Address of the HTTP API.") var listen = "127.0.0.1:7070"
    /// `--router` was its name before the router had an HTTPS listener beside it; kept as an alias.
    @Option(name: [.customLong("http"), .customLong("router")],
            help: "Address of the router's plain-HTTP listener apps are reached through (alias: --router).")
    var http = "127.0.0.1:7080"
    @Option(help: ArgumentHelp("Address of the router's HTTPS listener (e.g. :443): certificates from `slipway certs` by SNI, HTTP/2 (ALPN h2) and HTTP/1.1; plain HTTP to a host with a certificate is redirected there (308).", valueName: "host:port"))
    var https: String?
    @Flag(help: "HTTPS responses carry Strict-Transport-Security: max-age=31536000 (browsers then refuse plain HTTP for a year).")
    var hsts = false
    /// The router is its own process by default; this flag says so explicitly (install-systemd's units).
    @Flag(name: .customLong("standalone-router"),
          help: "The default: the router runs as its own process (`slipway router`, started if none runs for --data) that keeps serving while the server restarts or is killed.")
    var standaloneRouter = false
    @Flag(name: .customLong("in-process-router"),
          help: "Run the router inside the server's process instead (it stops with the server): for embedding and tests.")
    var inProcessRouter = false
    @Flag(name: .customLong("external-router"),
          help: "The router process is run by someone else (systemd's slipway-router.service, see `slipway install-systemd`); wait for it, never start one.")
    var externalRouter = false
    @Option(help: "Seconds a client may take to send a request head (slow clients get 408).") var headerTimeout = 10
    @Option(help: "Seconds a keep-alive connection may sit idle between requests before the router closes it.") var idleTimeout = 60
    @Option(help: "Client connections the router holds at once; more are closed at accept.") var maxConnections = 10_000
    @Option(name: .customLong("trusted-proxy"),
            help: ArgumentHelp("A proxy in front of the router whose X-Forwarded-For/Forwarded/X-Real-IP are kept (repeatable): CIDR or address. Anyone else's are replaced.",
                               valueName: "cidr"))
    var trustedProxy: [String] = []
    @Option(help: "State directory (database, deploy logs, workspaces). Default: ~/.slipway") var data: String?
    @Option(help: "The container engine's Docker-API socket. Default: DOCKER_HOST, /run/podman/podman.sock, /var/run/docker.sock, else Podman is started.")
    var engineSocket: String?
    @Option(help: "Deploys run at the same time (one at a time per app).") var workers = 2
    @Option(help: "Seconds a new replica may take to accept connections.") var readyTimeout = 60
    @Option(help: "Seconds a git clone of a deploy's source may take.") var gitTimeout = 300
    @Option(help: "Seconds a deploy's image builds may take together (default 30 minutes).") var buildTimeout = 1800
    @Option(name: .customLong("build-memory-mb"), help: "MiB of memory each build step (RUN) may use; past it the step is killed and the deploy fails.")
    var buildMemoryMb = 2048
    @Option(help: "Domain apps are routed under: APP.DOMAIN.") var domain = "localhost"
    @Option(help: "Largest accepted source upload, in MiB.") var maxUploadMb = 200
    @Option(help: "Keep the images of this many recent releases per app, for rollbacks.") var keepReleases = 10
    @Option(name: .customLong("app-log-mb"), help: "Store this many MiB of output per app (rotated), for `slipway logs --since`.")
    var appLogMB = 50
    @Option(name: .customLong("api-host"), help: ArgumentHelp(
        "A host name the API answers to (repeatable), besides localhost and IP addresses; other Host headers are refused (DNS rebinding).",
        valueName: "name"))
    var apiHost: [String] = []
    @Option(name: .customLong("public-url"), help: ArgumentHelp(
        "The address callers reach the API at (behind a proxy or a DNS name), e.g. https://deploy.example.com: printed in git remotes, webhook URLs and the SSH host key line; its host is one the API answers to. Default: the scheme and Host of each request.",
        valueName: "url"))
    var publicURL: String?
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp(
        "Serve the API over HTTPS with this PEM certificate (chain first-to-last); needs --tls-key. Off loopback without it the server warns.",
        valueName: "file"))
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert (keep it mode 0600).", valueName: "file"))
    var tlsKey: String?
    @OptionGroup(title: "Certificates (ACME)") var acme: ACMEOptions
    @Option(help: ArgumentHelp("Serve `git push ssh://slipway@HOST:PORT/APP.git` on this address (e.g. :2222 on every interface). Off by default.", valueName: "host:port"))
    var ssh: String?
    @Flag(name: .customLong("print-host-key"),
          help: "Print the SSH host key as a known_hosts line (made in --data if there is none yet) and exit.")
    var printHostKey = false
    @Flag(name: .customLong("insecure-no-auth"), help: "No API token: any local user or process may deploy, run commands and read secrets. Loopback only; for tests.")
    var insecureNoAuth = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(name: .customLong("stack-image"),
            help: ArgumentHelp("Base image for repositories without a Dockerfile, per stack (repeatable): STACK=IMAGE, STACK one of \(StackImages.keys.joined(separator: ", ")).",
                               valueName: "stack=image"))
    var stackImage: [String] = []
    @Option(name: .customLong("addon-image"),
            help: ArgumentHelp("Image of an add-on (repeatable): TYPE=IMAGE for the type's default version, TYPE:VERSION=IMAGE for another (default: the official postgres:VERSION, redis:VERSION).",
                               valueName: "type=image"))
    var addonImage: [String] = []
    @Option(name: .customLong("backup-store"),
            help: ArgumentHelp("Where add-on backups are kept: an absolute directory (default DATA/backups) or s3://BUCKET/PREFIX (endpoint and keys from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).",
                               valueName: "dir|s3://bucket/prefix"))
    var backupStore: String?
    @Option(help: "Where apps run: local (this machine's container engine and router) or kubernetes (a cluster; images are built here and pushed to --registry).")
    var engine = "local"
    @Option(help: "Kubeconfig of the cluster (--engine kubernetes). Default: KUBECONFIG, then ~/.kube/config.") var kubeconfig: String?
    @Option(help: "Kubeconfig context. Default: its current-context.") var context: String?
    @Option(help: "Registry images are pushed to and the cluster pulls from: HOST[:PORT]/PREFIX (--engine kubernetes).") var registry: String?
    @Flag(help: "Talk plain http to --registry (default only for loopback hosts).") var registryInsecure = false
    @Option(help: "IngressClass of the apps' Ingress. Default: the cluster's default class.") var ingressClass: String?
    @Option(help: "Existing kubernetes.io/tls Secret (in each app's namespace) for the Ingress.") var tlsSecret: String?
    @Option(help: "cert-manager ClusterIssuer that issues the Ingress certificate.") var clusterIssuer: String?
    @Option(name: .customLong("allow-source-dir"),
            help: ArgumentHelp("A directory on this machine deploys may name as their source (a path or file:// URL inside it); repeatable. None by default: folders are uploaded by the CLI.", valueName: "dir"))
    var allowSourceDir: [String] = []
    @Option(name: .customLong("allow-git-host"),
            help: ArgumentHelp("A git host deploys may clone from although it is a link-local address or a cloud metadata name; repeatable.", valueName: "host"))
    var allowGitHost: [String] = []
    @Option(name: .customLong("allow-notify-host"),
            help: ArgumentHelp("A host notifications (`slipway notify add`) may be posted to although it is a link-local address or a cloud metadata name; repeatable.", valueName: "host"))
    var allowNotifyHost: [String] = []
    @Option(name: .customLong("max-clone-mb"), help: "MiB a git clone of a deploy's source may take on disk.") var maxCloneMb = 1024
    @Option(name: .customLong("max-queued-per-app"), help: "Deploys that may wait per app; more are refused with 429.") var maxQueuedPerApp = RequestLimits().queuedPerApp
    @Option(name: .customLong("max-queued"), help: "Deploys that may wait over all apps; more are refused with 429.") var maxQueued = RequestLimits().queued
    @Option(name: .customLong("api-rate-limit"), help: "State-changing API calls per minute per token (bursts of a quarter pass at once); 0: no limit.")
    var apiRateLimit = RequestLimits().mutatingPerMinute
    @Option(name: .customLong("max-followers-per-app"), help: "Open log and event streams (follow, WebSocket) per app; more are refused with 429.")
    var maxFollowersPerApp = RequestLimits().followersPerApp
    @Option(name: .customLong("max-live-views-per-session"), help: "Live dashboard views (event streams) one sign-in may hold open; more are refused with 429.")
    var maxLiveViewsPerSession = RequestLimits().liveViewsPerSession
    @Option(name: .customLong("max-live-views"), help: "Live dashboard views (event streams) open over all sign-ins; more are refused with 503.")
    var maxLiveViews = RequestLimits().liveViews
    @Option(name: .customLong("max-deploy-log-mb"), help: "MiB of a deploy's log; build output past it is dropped (a marker says so), the deploy goes on.")
    var maxDeployLogMb = RequestLimits().deployLogBytes / 1_048_576
    @Flag(name: .customLong("k8s-allow-tolerate-all-taints"),
          help: "Let services tolerate every taint (a toleration without key); refused otherwise, as it lets pods onto control-plane nodes.")
    var allowTolerateAllTaints = false

    func validate() throws {
        _ = try Self.hostPort(listen, option: "--listen")
        _ = try Self.hostPort(http, option: "--http")
        if let https { _ = try Self.hostPort(https, option: "--https") }
        if let ssh { _ = try Self.hostPort(ssh, option: "--ssh") }
        if hsts && https == nil { throw ValidationError("--hsts needs --https HOST:PORT: Strict-Transport-Security is sent over HTTPS only") }
        guard headerTimeout > 0 else { throw ValidationError("--header-timeout must be a positive number of seconds") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be a positive number of seconds") }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        _ = try Self.trustedProxies(trustedProxy)
        if inProcessRouter && (standaloneRouter || externalRouter) {
            throw ValidationError("--in-process-router excludes --standalone-router and --external-router: the router is either in the server's process or its own")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give the certificate and its private key (PEM files)")
        }
        for directory in allowSourceDir where !directory.hasPrefix("/") {
            throw ValidationError("--allow-source-dir \(directory): give an absolute path")
        }
        guard readyTimeout > 0 else { throw ValidationError("--ready-timeout must be a positive number of seconds") }
        guard maxCloneMb > 0 else { throw ValidationError("--max-clone-mb must be positive") }
        guard maxQueuedPerApp > 0, maxQueued > 0 else { throw ValidationError("--max-queued-per-app and --max-queued must be positive") }
        guard apiRateLimit >= 0 else { throw ValidationError("--api-rate-limit must be 0 (no limit) or a positive number of calls per minute") }
        guard maxFollowersPerApp > 0 else { throw ValidationError("--max-followers-per-app must be positive") }
        guard maxLiveViewsPerSession > 0, maxLiveViews > 0 else { throw ValidationError("--max-live-views and --max-live-views-per-session must be positive") }
        guard maxDeployLogMb > 0 else { throw ValidationError("--max-deploy-log-mb must be positive") }
        guard buildMemoryMb >= 16 else { throw ValidationError("--build-memory-mb must be at least 16") }
        guard buildTimeout > 0 else { throw ValidationError("--build-timeout must be a positive number of seconds") }
        guard gitTimeout > 0 else { throw ValidationError("--git-timeout must be a positive number of seconds") }
        guard maxUploadMb > 0 else { throw ValidationError("--max-upload-mb must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        do { _ = try StackImages(overrides: stackImage) } catch let error as SlipwayError { throw ValidationError(error.message) }
        do { _ = try AddonImages(assignments: addonImage) } catch let error as SlipwayError { throw ValidationError(error.message) }
        guard let kind = ServerConfiguration.EngineKind(rawValue: engine) else {
            throw ValidationError("--engine must be local or kubernetes (got \(engine))")
        }
        if kind == .kubernetes, (registry ?? "").isEmpty {
            throw ValidationError("--engine kubernetes needs --registry HOST[:PORT]/PREFIX: images are pushed there for the cluster to pull")
        }
    }

    func run() async throws {
        var configuration = ServerConfiguration(
            dataDirectory: data.map { URL(fileURLWithPath: $0) } ?? ServerConfiguration.defaultDataDirectory)
        if let publicURL {
            do { configuration.publicURL = try ServerConfiguration.checkedPublicURL(publicURL) } catch {
                throw ValidationError((error as? SlipwayError)?.message ?? "\(error)")
            }
        }
        if let ssh {
            let (host, port) = try Self.hostPort(ssh, option: "--ssh")
            configuration.ssh = SSHListen(host: host, port: port)
        }
        if printHostKey {
            try printKnownHostsLine(configuration)
            return
        }
        (configuration.listenHost, configuration.listenPort) = try Self.hostPort(listen, option: "--listen")
        (configuration.routerHost, configuration.routerPort) = try Self.hostPort(http, option: "--http")
        if let https {
            let (host, port) = try Self.hostPort(https, option: "--https")
            (configuration.httpsHost, configuration.httpsPort) = (host, port)
        }
        configuration.strictTransportSecurity = hsts ? "max-age=31536000" : nil
        configuration.router.headerTimeout = .seconds(headerTimeout)
        configuration.router.idleTimeout = .seconds(idleTimeout)
        configuration.router.maxConnections = maxConnections
        configuration.router.trustedProxies = try Self.trustedProxies(trustedProxy)
        // With --engine kubernetes the cluster's Ingress routes apps: there is no router to run
        // (an explicit --standalone-router is refused then, by ServerConfiguration.validate).
        configuration.standaloneRouter = standaloneRouter || externalRouter || (!inProcessRouter && engine == ServerConfiguration.EngineKind.local.rawValue)
        configuration.externalRouter = externalRouter
        configuration.engineSocket = engineSocket
        configuration.workers = workers
        configuration.readyTimeout = .seconds(readyTimeout)
        configuration.gitTimeout = .seconds(gitTimeout)
        configuration.containerPolicy.buildTimeout = .seconds(buildTimeout)
        configuration.containerPolicy.buildMemoryBytes = Int64(buildMemoryMb) * 1_048_576
        configuration.domain = domain
        configuration.maxUploadBytes = maxUploadMb * 1024 * 1024
        configuration.keepReleases = keepReleases
        configuration.appLogBytes = appLogMB * 1024 * 1024
        configuration.stackImages = try StackImages(overrides: stackImage)
        configuration.addonImages = try AddonImages(assignments: addonImage)
        configuration.backupStore = backupStore
        configuration.engine = ServerConfiguration.EngineKind(rawValue: engine) ?? .local
        configuration.kubernetes.kubeconfig = kubeconfig
        configuration.kubernetes.context = context
        configuration.kubernetes.registry = registry
        configuration.kubernetes.registryInsecure = registryInsecure ? true : nil
        configuration.kubernetes.ingressClass = ingressClass
        configuration.kubernetes.tlsSecret = tlsSecret
        configuration.kubernetes.clusterIssuer = clusterIssuer
        configuration.kubernetes.allowTolerateAllTaints = allowTolerateAllTaints
        configuration.allowedSourceDirectories = allowSourceDir
        configuration.allowedGitHosts = Set(allowGitHost.map { $0.lowercased() })
        configuration.allowedNotifyHosts = Set(allowNotifyHost.map { $0.lowercased() })
        configuration.maxCloneBytes = Int64(maxCloneMb) * 1_048_576
        configuration.limits.queuedPerApp = maxQueuedPerApp
        configuration.limits.queued = maxQueued
        configuration.limits.mutatingPerMinute = apiRateLimit
        configuration.limits.followersPerApp = maxFollowersPerApp
        configuration.limits.liveViewsPerSession = maxLiveViewsPerSession
        configuration.limits.liveViews = maxLiveViews
        configuration.limits.deployLogBytes = maxDeployLogMb * 1_048_576
        configuration.token = ProcessInfo.processInfo.environment["SLIPWAY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.insecureNoAuth = insecureNoAuth
        configuration.apiHosts = apiHost
        if let tlsCert, let tlsKey { configuration.tls = APITLSFiles(certificate: tlsCert, key: tlsKey) }
        configuration.acme = acme.settings
        var logger = Logger(label: "slipway")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        do {
            try await SlipwayServer.run(configuration, logger: logger)
        } catch let error as ServerStartupError {
            throw ValidationError(error.description)
        }
    }

    /// `[HOST]:PORT ssh-ed25519 ...`: HOST is --public-url's, else the first --api-host, else the --ssh host, else this
    /// machine's name (a wildcard address is no name to connect to); PORT is --ssh's, else 2222.
    private func printKnownHostsLine(_ configuration: ServerConfiguration) throws {
        let bound = configuration.ssh?.host
        let host = configuration.publicHost ?? apiHost.first ?? bound.flatMap { ["0.0.0.0", "::", ""].contains($0) ? nil : $0 } ?? ProcessInfo.processInfo.hostName
        do {
            Swift.print(try SlipwayServer.hostKeyLine(configuration, host: host, port: configuration.ssh?.port ?? 2222))
        } catch let error as ServerStartupError {
            throw ValidationError(error.description)
        }
    }

    static func trustedProxies(_ values: [String]) throws -> [IPNetwork] {
        try values.map { value in
            guard let network = IPNetwork(value) else {
                throw ValidationError("--trusted-proxy must be an address or CIDR range, e.g. 10.0.0.0/8 or 192.0.2.7 (got \(value))")
            }
            return network
        }
    }

    static func hostPort(_ text: String, option: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(option) must be HOST:PORT, e.g. 127.0.0.1:7070 (got \(text))")
        }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
