import BackupStore
import CertificateStore
import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayEngines
import SlipwayRouter
import SlipwaySecrets
import SlipwaySource
import SlipwayStore

extension SlipwayServer {
    /// At start-up: deploys a killed server was running end in ERROR (queued ones stay queued),
    /// and their workspaces and uploads go.
    static func recoverQueue(_ store: SlipwayStore, _ configuration: ServerConfiguration, logger: Logger) throws {
        let interrupted = try store.failInterruptedDeploys()
        if !interrupted.isEmpty {
            logger.warning("deploys interrupted by the last shutdown ended in ERROR", metadata: ["count": "\(interrupted.count)"])
        }
        removeLeftovers(configuration, interrupted: interrupted)
    }

    /// Custom hosts and maintenance pages, as stored, into the route table: before the router
    /// answers its first request after a restart.
    static func restoreEdge(_ store: SlipwayStore, routes: RouteTable?) throws {
        try AppEdge(store: store, routes: routes).restore()
    }

    /// The control plane over an engine: what the API's controllers work with, and the services
    /// that run beside the API (the event log, app logs, the reconciler, the deploy workers), in
    /// start order. `run` serves them; SlipwayServerTests drive the same ones in process.
    static func controlPlane(_ configuration: ServerConfiguration, store: SlipwayStore, engine: any Engine, events: EventHub,
                             routes: RouteTable? = nil, routesApplied: @escaping @Sendable () async -> Void = {},
                             routerTraffic: (@Sendable () async -> [String: TrafficSample])? = nil,
                             logger: Logger) throws -> (parts: APIParts, services: [any Service]) {
        let logs = try DeployLogs(directory: configuration.deployLogsDirectory, maxBytes: configuration.limits.deployLogBytes)
        let masks = SecretMasks(store: store)
        let appLogs = AppLogHub(engine: engine, store: store, masks: masks, logger: logger,
                                lines: try AppLogStore(directory: configuration.appLogsDirectory, maxBytesPerApp: configuration.appLogBytes))
        var pipeline = Pipeline(store: store, engine: engine, logs: logs, workDirectory: configuration.workDirectory,
                                appURL: { configuration.appURL($0) }, keepReleases: configuration.keepReleases, logger: logger,
                                stackImages: configuration.stackImages, report: { events.report($0) }, masks: masks)
        pipeline.sources.gitTimeout = configuration.gitTimeout
        pipeline.sources.maxCloneBytes = configuration.maxCloneBytes
        let repositories = GitRepositories(dataDirectory: configuration.dataDirectory, maxPushBytes: configuration.maxCloneBytes,
                                           runningProgram: configuration.gitHookRunsThisProcess ? "/proc/\(getpid())/exe" : nil)
        try repositories.prepare(hookProgram: configuration.gitHookProgram)
        pipeline.gitRepositories = repositories
        let workers = DeployWorkers(store: store, pipeline: pipeline, count: configuration.workers, logger: logger)
        let tickets = HookTickets()
        let deployer = PushDeployer(store: store, logs: logs, workers: workers, queueLimit: DeployQueueLimit(store: store, limits: configuration.limits),
                                    repositories: repositories, lanes: PushLanes(), appURL: { configuration.appURL($0) },
                                    deployBranch: { try store.deployBranch(of: $0)?.branch ?? SlipwayStore.defaultDeployBranch })
        let gitPush = GitPush(repositories: repositories, tickets: tickets, deployer: deployer, logger: logger)
        let certificates = CertificateStore(directory: configuration.certificatesDirectory)
        var parts = APIParts(configuration: configuration, store: store, engine: engine, logs: logs, workers: workers,
                             events: events, appLogs: appLogs,
                             edge: AppEdge(store: store, routes: routes, applied: routesApplied, certificates: certificates), token: configuration.token,
                             certificates: certificates,
                             rotation: SecretRotation(store: store, files: configuration.masterKeyFromEnvironment ? nil : MasterKeyFiles(file: configuration.masterKeyPath),
                                                      logger: logger))
        parts.gitPush = gitPush
        parts.followers = FollowerLimit(perApp: configuration.limits.followersPerApp)
        parts.rateLimiter = RateLimiter(perMinute: configuration.limits.mutatingPerMinute)
        var sampler = MetricsSampler(history: parts.metrics, store: store, engine: engine, logger: logger)
        if let routerTraffic { sampler.traffic = routerTraffic }
        var notifications = configuration.notifications
        notifications.urlPolicy.allowedHosts = configuration.allowedNotifyHosts
        parts.notificationPolicy = notifications.urlPolicy
        let notifier = Notifier(configuration: notifications, store: store, events: events, appURL: { configuration.appURL($0) }, logger: logger)
        parts.cron = CronScheduler(store: store, engine: engine, clock: configuration.cronClock,
                                   schedules: configuration.engine == .local, logger: logger,
                                   deliver: { await appLogs.deliver($1, app: $0) }, report: { events.report($0) })
        let gitHooks = GitHookServer(socketPath: repositories.socketPath, tickets: tickets, logger: logger)
        parts.backups = try addonBackups(configuration, engine: engine, events: events, logger: logger)
        let backupScheduler = BackupScheduler(store: store, backups: parts.backups!, clock: configuration.backupClock, logger: logger)
        parts.backupScheduler = backupScheduler
        return (parts, [events, notifier, appLogs, Reconciler(engine: engine), workers, sampler, parts.cron!,
                        PreviewReaper(previews: previews(parts), interval: configuration.hooks.reapInterval), gitHooks, backupScheduler])
    }

    /// `--backup-store` (default DATA/backups) and what makes, verifies and restores backups in it.
    /// Partial files a killed server left are removed here (never listed) and reported as failed backups.
    static func addonBackups(_ configuration: ServerConfiguration, engine: any Engine, events: EventHub,
                             logger: Logger) throws -> AddonBackups {
        let environment = ProcessInfo.processInfo.environment
        let store: any BackupStore
        do {
            let location = try BackupStoreLocation.parse(configuration.backupStore ?? configuration.dataDirectory.appendingPathComponent("backups").path,
                                                         environment: environment)
            store = try location.store(environment: environment, staging: configuration.backupWorkDirectory.appendingPathComponent("staging"))
        } catch let error as BackupStoreError {
            throw ServerStartupError(error.message)
        }
        // A backup the last server was making when it was killed: its partial file goes (it was
        // never listed), and it is a backup.failed event (and notification) like any failed backup.
        let leftovers = (store as? DirectoryBackupStore)?.removeLeftovers() ?? (store as? S3BackupStore)?.removeLeftovers() ?? []
        for leftover in leftovers {
            logger.warning("removed a partial backup a killed server left", metadata: ["app.name": "\(leftover.app)", "addon": "\(leftover.addon)",
                                                                                    "backup": "\(leftover.id)"])
            events.report(AppEvent(app: leftover.app, kind: .backupFailed,
                                   message: "backup \(leftover.id) of \(leftover.addon) failed: the server stopped while making it (killed or crashed); its partial file was removed, nothing of it is listed"))
        }
        try? FileManager.default.removeItem(at: configuration.backupWorkDirectory)
        return AddonBackups(store: store, engine: engine, workDirectory: configuration.backupWorkDirectory.appendingPathComponent("fetched"),
                            report: { events.report($0) }, logger: logger)
    }
}
