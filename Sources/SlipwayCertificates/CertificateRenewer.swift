import ACME
import CertificateStore
import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore

/// Obtains a certificate with ACME for every host that needs one, stores it (key 0600) in the
/// certificate store the router serves from, and renews it two thirds into its life.
///
/// A failure (the CA unreachable, a challenge refused, a rate limit) leaves the host as it was:
/// on plain HTTP, or on its old certificate, which keeps serving. It is reported as an event of
/// the host's app and tried again with backoff; other hosts go on. Certificates added by hand
/// (`source: manual`) are their owner's: never replaced.
public actor CertificateRenewer: Service {
    public struct Configuration: Sendable {
        public var acme: ACMEClient.Configuration
        /// How often the hosts are looked at when nothing wakes the renewer.
        public var checkInterval: Duration = .seconds(60)
        /// Backoff after failures: the first retry, doubled each time up to the maximum.
        public var firstRetry: Duration = .seconds(60)
        public var maximumRetry: Duration = .seconds(6 * 3600)

        public init(acme: ACMEClient.Configuration) {
            self.acme = acme
        }
    }

    /// What happened to one host in a pass.
    public enum Outcome: Sendable, Equatable {
        case issued(notAfter: Date)
        case failed(String)
        /// Its certificate is not due, it is a manual one, or its backoff has not run out.
        case skipped
    }

    public let configuration: Configuration
    let store: CertificateStore
    let hosts: any CertificateHostsSource
    /// HTTP-01 (the router) and, with `--acme-dns`, DNS-01: wildcards need DNS-01, other hosts
    /// use the first solver given.
    let solvers: [any ACMEChallengeSolver]
    let client: ACMEClient
    let report: @Sendable (AppEvent) -> Void
    /// Failures of hosts that belong to no app (the server's own `*.DOMAIN`): their message, for
    /// the server-wide notification targets, as `report` tells an app's.
    let reportServerWide: @Sendable (_ kind: AppEvent.Kind, _ message: String) -> Void
    let logger: Logger
    private var backoff: [String: RenewalBackoff] = [:]
    private let wakes: AsyncStream<Void>
    private let wakeInput: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - solvers: how challenges are answered, in order of preference; a wildcard host takes the first DNS-01 one.
    ///   - accountKey: the ACME account's key (see `AccountKeyFile`).
    public init(
        configuration: Configuration, store: CertificateStore, hosts: any CertificateHostsSource, solvers: [any ACMEChallengeSolver],
        accountKey: ACMEAccountKey, report: @escaping @Sendable (AppEvent) -> Void,
        reportServerWide: @escaping @Sendable (_ kind: AppEvent.Kind, _ message: String) -> Void = { _, _ in }, logger: Logger
    ) throws {
        guard !solvers.isEmpty else { throw CertificateRenewalError("the certificate renewer needs a way to answer ACME challenges") }
        self.configuration = configuration
        self.store = store
        self.hosts = hosts
        self.solvers = solvers
        self.client = try ACMEClient(configuration: configuration.acme, accountKey: accountKey, logger: logger)
        self.report = report
        self.reportServerWide = reportServerWide
        self.logger = logger
        (wakes, wakeInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public init(
        configuration: Configuration, store: CertificateStore, hosts: any CertificateHostsSource, solver: any ACMEChallengeSolver,
        accountKey: ACMEAccountKey, report: @escaping @Sendable (AppEvent) -> Void, logger: Logger
    ) throws {
        try self.init(configuration: configuration, store: store, hosts: hosts, solvers: [solver], accountKey: accountKey, report: report, logger: logger)
    }

    /// Looks at the hosts now (a domain was added), instead of at the next check.
    public nonisolated func wake() {
        wakeInput.yield()
    }

    /// Each host's failures so far and when it is tried again (for `slipway certs`).
    public func failures() -> [String: RenewalBackoff] {
        backoff
    }

    public func run() async throws {
        let (wakes, wakeInput, interval) = (self.wakes, self.wakeInput, configuration.checkInterval)
        wakeInput.yield()  // a first pass at once
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while (try? await Task.sleep(for: interval)) != nil { wakeInput.yield() }
            }
            group.addTask {
                for await _ in wakes.cancelOnGracefulShutdown() { _ = await self.renewDue() }
            }
            await group.next()  // the pass loop ends on graceful shutdown
            group.cancelAll()
        }
        await shutdown()
    }

    /// Closes the ACME client's connections; `run` does it when it ends. Call it when only
    /// `renewDue` was used.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// One pass: every host whose certificate is missing, unreadable, not covering it, or past
    /// its renewal time, and whose backoff allows, gets a new certificate.
    @discardableResult
    public func renewDue(now: Date = Date()) async -> [String: Outcome] {
        let demands: [CertificateDemand]
        do {
            demands = try await hosts.hostsNeedingCertificates()
        } catch {
            logger.warning("cannot list the hosts that need certificates", metadata: ["error": "\(error)"])
            return [:]
        }
        var outcomes: [String: Outcome] = [:]
        for demand in demands where outcomes[demand.host] == nil {
            outcomes[demand.host] = await renewIfDue(demand, now: now)
        }
        return outcomes
    }

    private func renewIfDue(_ demand: CertificateDemand, now: Date) async -> Outcome {
        let current = currentCertificate(demand.host)
        if let current, current.source == .manual || (current.renewAt.map { $0 > now } ?? false) { return .skipped }
        guard backoff[demand.host, default: RenewalBackoff()].allowsAttempt(at: now) else { return .skipped }
        let solver: any ACMEChallengeSolver
        if demand.host.hasPrefix("*.") {
            guard let dns = solvers.first(where: { $0.challengeType == .dns01 }) else {
                return fail(demand, "a wildcard host needs DNS-01 validation (start the server with --acme-dns)", current: current, now: now)
            }
            solver = dns
        } else {
            solver = solvers[0]
        }
        do {
            let issued = try await client.issueCertificate(for: [demand.host], solver: solver)
            let stored = try store.add(host: demand.host, certificatePEM: issued.certificateChainPEM, keyPEM: issued.privateKeyPEM, source: .acme)
            backoff[demand.host] = nil
            let renewal = stored.renewAt.map { " (renewed from \($0.formatted(.iso8601)))" } ?? ""
            if let app = demand.app {
                report(AppEvent(
                    app: app, kind: .certificateIssued,
                    message: "certificate for \(demand.host) issued by \(stored.issuer), valid until \(stored.notAfter.formatted(.iso8601))\(renewal)"))
            }
            logger.info("certificate stored", metadata: ["tls.host": .string(demand.host), "tls.not_after": "\(stored.notAfter)"])
            return .issued(notAfter: stored.notAfter)
        } catch {
            return fail(demand, "\(error)", current: current, now: now)
        }
    }

    private func fail(_ demand: CertificateDemand, _ reason: String, current: StoredCertificate?, now: Date) -> Outcome {
        var state = backoff[demand.host, default: RenewalBackoff()]
        state.failed(reason, at: now, first: configuration.firstRetry, maximum: configuration.maximumRetry)
        backoff[demand.host] = state
        let serving = current.map { "its certificate valid until \($0.notAfter.formatted(.iso8601)) keeps serving" } ?? "it stays on plain HTTP"
        let retry = state.nextAttempt.map { "tried again at \($0.formatted(.iso8601))" } ?? ""
        let message = "no certificate for \(demand.host): \(reason); \(serving); \(retry) (failure \(state.failures))"
        if let app = demand.app {
            report(AppEvent(app: app, kind: .certificateFailed, message: message))
        } else {
            reportServerWide(.certificateFailed, message)
        }
        logger.warning("certificate not obtained", metadata: ["tls.host": .string(demand.host), "error": .string(reason)])
        return .failed(reason)
    }

    /// The stored certificate if it is readable and covers the host; nil means a new one is needed.
    private func currentCertificate(_ host: String) -> StoredCertificate? {
        guard let name = try? CertificateHost(host), let loaded = try? store.certificate(for: name) else { return nil }
        guard loaded.record.names.contains(where: { name.isCovered(by: $0) }) else { return nil }
        return loaded.record
    }
}
