import ACME
import CertificateStore
import Commands
import DockerAPI
import Foundation
import Hummingbird
import KubernetesAPI
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import SlipwayCertificates
import SlipwayCore
import SlipwayEngines
import SlipwayRouter
import SlipwaySecrets
import SlipwayStore
import UnixSignals

/// `slipway server`: the control plane in one process — the HTTP API, the deploy workers and
/// the router — over the local container engine. Runs until SIGTERM or SIGINT.
public enum SlipwayServer {
    public static func run(_ configuration: ServerConfiguration, logger: Logger) async throws {
        try configuration.validate()
        let tls = try configuration.tls?.serverConfiguration(logger: logger)
        if let warning = configuration.plaintextExposureWarning { logger.warning("\(warning)") }
        _ = ServerMetrics.registry  // swift-metrics is bootstrapped before any metric is made
        let fileManager = FileManager.default
        for directory in [configuration.dataDirectory, configuration.workDirectory, configuration.uploadsDirectory] {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let token = try AdminToken.resolve(configured: configuration.token, insecureNoAuth: configuration.insecureNoAuth,
                                           dataDirectory: configuration.dataDirectory)
        logAuthentication(configuration, token: token, logger: logger)
        let keys: MasterKeyFiles.Loaded
        do {
            keys = try MasterKeyFiles(file: configuration.masterKeyPath).load(environment: ProcessInfo.processInfo.environment)
        } catch let error as SecretError {
            throw SlipwayError.invalidRequest(error.description)
        }
        // From here on the configuration carries the token in force (the file's, when none was configured).
        var configured = configuration.with(token: token)
        configured.masterKeyFromEnvironment = keys.fromEnvironment
        let configuration = configured
        let connection = try await EngineConnector.connect(explicitSocket: configuration.engineSocket,
                                                           dataDirectory: configuration.dataDirectory, logger: logger)
        defer { connection.startedService?.terminate() }

        // Deploys are recorded with the engine's stages (Kubernetes adds push and apply), known
        // before the engines, which record current releases in the store; checked against them below.
        let stages = configuration.engine == .kubernetes ? StageName.kubernetesEngine : StageName.localEngine
        let store = try SlipwayStore(path: configuration.databasePath, secrets: SecretCipher(keyring: keys.keyring), deployStages: stages)
        try recoverQueue(store, configuration, logger: logger)
        let routes = RouteTable(domain: configuration.domain)
        try restoreEdge(store, routes: configuration.engine == .local ? routes : nil)
        let certificates = CertificateStore(directory: configuration.certificatesDirectory)
        certificates.recover()
        let served = ServedCertificates()
        let reloader = CertificateReloader(store: certificates, served: served, logger: logger)
        await reloader.reloadIfChanged()  // served from the first connection on
        let routerTLS = configuration.httpsPort.map {
            RouterTLS(host: configuration.httpsHost ?? "0.0.0.0", port: $0, certificates: served,
                      strictTransportSecurity: configuration.strictTransportSecurity)
        }
        // With Kubernetes the cluster's Ingress routes apps: no local router, and the local engine only builds.
        // With --standalone-router the router is a process of its own, found or started here.
        let router = configuration.engine == .local && !configuration.standaloneRouter
            ? Router(host: configuration.routerHost, port: configuration.routerPort, routes: routes, logger: logger,
                     configuration: configuration.router, tls: routerTLS) : nil
        let routerLink = configuration.engine == .local && configuration.standaloneRouter
            ? RouterLink(process: RouterProcess(configuration: configuration), routes: routes, logger: logger) : nil
        // The router answers first (apps come back within a second of a restart; a router process
        // never stopped), then the running replicas are adopted and routed, before any worker may
        // start a deploy.
        try await router?.start()
        try await routerLink?.connect()
        let events = EventHub(store: store, logger: logger)
        var engineConfiguration = LocalEngine.Configuration(serverID: try serverID(configuration.dataDirectory),
                                                            filesDirectory: configuration.configFilesDirectory)
        engineConfiguration.report = { events.report($0) }
        engineConfiguration.readyTimeout = configuration.readyTimeout
        engineConfiguration.containerPolicy = configuration.containerPolicy
        engineConfiguration.addons = StoreAddons(store: store)
        let localEngine = LocalEngine(docker: connection.docker, routes: routes, router: router ?? routerLink, releases: StoreCurrentReleases(store: store),
                                      configuration: engineConfiguration, logger: logger)
        let engine: any Engine
        var kubernetesClient: KubernetesClient?
        if configuration.engine == .kubernetes {
            let client = try KubernetesEngineFactory.client(configuration, logger: logger)
            kubernetesClient = client
            await KubernetesEngineFactory.probe(client, logger: logger)
            engine = try KubernetesEngineFactory.engine(configuration, client: client, builder: localEngine, docker: connection.docker,
                                                        releases: StoreCurrentReleases(store: store), secretHashKey: keys.keyring.sealingKey.derivedKey(purpose: "kubernetes-secret-hashes"),
                                                        logger: logger)
        } else {
            engine = localEngine
        }

        guard engine.deployStages == store.deployStages else {
            throw ServerStartupError("internal: the engine's deploy stages \(engine.deployStages) differ from those deploys are recorded with")
        }
        try await engine.restore()
        // Only now is the server's table complete: the router process keeps its own until then.
        await routerLink?.release()

        let http01: (any ACMEChallengeSolver)? = router.map { RouterHTTP01Solver(tokens: $0.challengeTokens) }
            ?? routerLink.map { RouterProcessHTTP01Solver(link: $0) }
        let renewer = try certificateRenewer(configuration, store: store, http01: http01, events: events, logger: logger)
        var (parts, services) = try controlPlane(configuration, store: store, engine: engine, events: events,
                                                 routes: configuration.engine == .local ? routes : nil,
                                                 routesApplied: {
                                                     await routerLink?.flush(timeout: .seconds(2))
                                                     renewer?.wake()  // a domain added may need a certificate
                                                 }, routerTraffic: routerLink.map { link in { @Sendable in await link.traffic() } }, logger: logger)
        if let renewer { services += [renewer, RenewerWakeOnDeploy(events: events, renewer: renewer)] }
        try await parts.rotation.completeInterrupted()
        parts.certificatesChanged = { await reloader.reloadIfChanged() }
        if let renewer { parts.certificateFailures = { await renewer.failures() } }
        if let routerLink { parts.routerMetrics = { await routerLink.metricsText() } }
        if routerTLS != nil && router != nil { services.append(reloader) }
        if let ssh = try await sshServer(configuration, store: store, push: parts.gitPush, logger: logger) { services.append(ssh) }
        let refusals = RefusedUpgrades()
        let api = Application(
            responder: try siteResponder(parts),
            server: try APITLSFiles.server(.http1WebSocketUpgrade(webSocketRouter: webSocketRouter(parts, refusals: refusals),
                                                                  additionalChannelHandlers: refusals.channelHandlers()), tls: tls),
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: "slipway"),
            onServerRunning: { _ in
                logger.info("slipway is up", metadata: [
                    "api": "\(configuration.apiURL)",
                    "router": configuration.engine == .kubernetes ? "none (--engine kubernetes: the cluster's Ingress)"
                        : "http://\(configuration.routerHost):\(configuration.routerPort)\(routerLink == nil ? "" : " (router process)")",
                    "https": "\(router?.boundHTTPSPort.map { "\(configuration.httpsHost ?? "0.0.0.0"):\($0)" } ?? routerLink?.process.https ?? "off (--https HOST:PORT)")",
                ])
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: (router.map { [ServiceGroupConfiguration.ServiceConfiguration(service: RouterService(router: $0))] } ?? [])
                + (routerLink.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? [])
                + services.map { .init(service: $0) } + [.init(service: api)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            try? await kubernetesClient?.shutdown()
            throw error
        }
        try? await kubernetesClient?.shutdown()
    }

    /// What the API's controllers work with.
    struct APIParts {
        var configuration: ServerConfiguration
        var store: SlipwayStore
        var engine: any Engine
        var logs: DeployLogs
        var workers: DeployWorkers
        var events: EventHub
        var appLogs: AppLogHub
        /// Custom hosts and maintenance pages: stored, and handed to the router.
        var edge: AppEdge
        /// nil only with `--insecure-no-auth`.
        var token: String?
        /// TLS certificates the router serves (`DATA/certs`).
        var certificates: CertificateStore
        /// Tells the router to reload certificates after the API changed them.
        var certificatesChanged: @Sendable () async -> Void = {}
        /// The last ACME failure per host and when it is tried again (`slipway certs`); none without ACME.
        var certificateFailures: @Sendable () async -> [String: RenewalBackoff] = { [:] }
        /// The router process's metrics (`--standalone-router`), shown on `/metrics` with the server's.
        var routerMetrics: @Sendable () async -> String? = { nil }
        var rotation: SecretRotation
        /// `git push` to `/git/APP.git` (and, through the same piece, over SSH).
        var gitPush: GitPush?
        /// Open log and event streams per app (`--max-followers-per-app`).
        var followers = FollowerLimit(perApp: RequestLimits().followersPerApp)
        /// Where notifications may be posted (`--allow-notify-host`).
        var notificationPolicy = NotificationURLPolicy()
        /// State-changing calls per token (`--api-rate-limit`).
        var rateLimiter = RateLimiter(perMinute: RequestLimits().mutatingPerMinute)
        /// Each app's requests, latency, CPU and memory over the last hour and day.
        var metrics = MetricsHistory()
        /// Scheduled jobs; set by `controlPlane`.
        var cron: CronScheduler?
        /// Add-on backups and their schedules; set by `controlPlane`.
        var backups: AddonBackups?
        var backupScheduler: BackupScheduler?
        var queueLimit: DeployQueueLimit { DeployQueueLimit(store: store, limits: configuration.limits) }

        /// The public URL's host is one the API answers to (that is how callers reach it).
        var guards: AllowedHosts {
            let publicHost = configuration.publicURL.flatMap { URLComponents(string: $0)?.host }.map { [$0] } ?? []
            return AllowedHosts(listenHost: configuration.listenHost, extra: configuration.apiHosts + publicHost)
        }
    }

    static func apiRouter(_ parts: APIParts) -> Hummingbird.Router<BasicRequestContext> {
        let (configuration, store, engine, logs, workers) = (parts.configuration, parts.store, parts.engine, parts.logs, parts.workers)
        let router = Hummingbird.Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestGuardMiddleware(hosts: parts.guards, token: parts.token))
        router.add(middleware: RateLimitMiddleware(limiter: parts.rateLimiter))
        router.get("/healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        let metrics = MetricsScrape(store: store, engine: engine, router: parts.routerMetrics)
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: await metrics.render())))
        }
        router.get("/openapi.yaml") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
                  let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw SlipwayError.internal("openapi.yaml is missing from the server's resources")
            }
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let deploys = deployController(parts)
        deploys.addRoutes(to: router)
        AppController(store: store, engine: engine, configuration: configuration, appLogs: parts.appLogs.lines, edge: parts.edge,
                      metrics: parts.metrics, repositories: parts.gitPush?.repositories).addRoutes(to: router)
        DomainController(store: store, edge: parts.edge, configuration: configuration).addRoutes(to: router)
        RADController(store: store, deploys: deploys).addRoutes(to: router)
        ChangeController(store: store, workers: workers, queueLimit: parts.queueLimit).addRoutes(to: router)
        RunController(store: store, engine: engine).addRoutes(to: router)
        if let cron = parts.cron { CronController(store: store, scheduler: cron).addRoutes(to: router) }
        let addons = AddonController(store: store, engine: engine, workers: workers, queueLimit: parts.queueLimit, images: configuration.addonImages)
        addons.addRoutes(to: router)
        if let backups = parts.backups, let schedules = parts.backupScheduler {
            BackupController(store: store, backups: backups, schedules: schedules, addons: addons).addRoutes(to: router)
        }
        SecretsController(rotation: parts.rotation).addRoutes(to: router)
        EventController(store: store, events: parts.events, followers: parts.followers).addRoutes(to: router)
        LogController(store: store, hub: parts.appLogs, followers: parts.followers).addRoutes(to: router)
        MetricsController(store: store, history: parts.metrics).addRoutes(to: router)
        CertificateController(store: parts.certificates, changed: parts.certificatesChanged, failures: parts.certificateFailures).addRoutes(to: router)
        NotificationController(store: store, policy: parts.notificationPolicy).addRoutes(to: router)
        addHookRoutes(parts, to: router)
        SSHKeyController(store: store).addRoutes(to: router)
        if let gitPush = parts.gitPush {
            GitController(store: store, push: gitPush, secure: configuration.tls != nil).addRoutes(to: router)
        }
        GitRemoteController(store: store, address: PublicAddress(configuration),
                            connections: GitConnectionController(store: store, configuration: configuration)).addRoutes(to: router)
        LogWebSocket(store: store, hub: parts.appLogs, followers: parts.followers).addFallbackRoute(to: router)
        RunWebSocket(store: store, engine: engine).addFallbackRoute(to: router)
        return router
    }

    /// The routes that upgrade to a WebSocket (a separate router, as hummingbird-websocket advises).
    static func webSocketRouter(_ parts: APIParts, refusals: RefusedUpgrades) -> Hummingbird.Router<WebSocketUpgradeContext> {
        let router = Hummingbird.Router(context: WebSocketUpgradeContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RefusedUpgradeRecorder(refusals: refusals))
        router.add(middleware: RequestGuardMiddleware(hosts: parts.guards, token: parts.token))
        LogWebSocket(store: parts.store, hub: parts.appLogs, followers: parts.followers).addRoutes(to: router)
        RunWebSocket(store: parts.store, engine: parts.engine).addRoutes(to: router)
        return router
    }

    /// Says where the token is, or what `--insecure-no-auth` gives away.
    static func logAuthentication(_ configuration: ServerConfiguration, token: String?, logger: Logger) {
        if token == nil {
            logger.warning("--insecure-no-auth: every local user and every process on this machine can deploy, run commands in apps and read their secrets through the API (no token is asked); Host and Origin checks still refuse web pages. Use it for tests only")
        } else if let configured = configuration.token, !configured.isEmpty {
            logger.info("API token: SLIPWAY_TOKEN (every call but /healthz needs it)")
        } else {
            logger.info("API token: \(configuration.adminTokenPath.path) (mode 0600; the CLI on this machine finds it, elsewhere set SLIPWAY_TOKEN or ~/.slipway/config)")
        }
    }

    /// Workspaces of deploys cut off by a crash, and the uploads of the ones that were interrupted.
    static func removeLeftovers(_ configuration: ServerConfiguration, interrupted: [String]) {
        let fileManager = FileManager.default
        for entry in (try? fileManager.contentsOfDirectory(atPath: configuration.workDirectory.path)) ?? [] {
            try? fileManager.removeItem(at: configuration.workDirectory.appendingPathComponent(entry))
        }
        for traceId in interrupted {
            try? fileManager.removeItem(at: configuration.uploadsDirectory.appendingPathComponent("\(traceId).tar.gz"))
        }
    }

    /// A stable id for this server's data directory, put on its containers (see LocalEngine).
    static func serverID(_ dataDirectory: URL) throws -> String {
        let url = dataDirectory.appendingPathComponent("server-id")
        if let existing = try? String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           !existing.isEmpty {
            return existing
        }
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try String(id).write(to: url, atomically: true, encoding: .utf8)
        return String(id)
    }
}
