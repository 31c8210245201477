import ACME
import ACMETestSupport
import CertificateStore
import Crypto
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter
import Testing

@testable import SlipwayCertificates
import TestPorts
import struct X509.Certificate  // not all of X509: its own CertificateStore type would make that name ambiguous

/// The renewer against a real pebble that validates HTTP-01 on the real router's port: the router
/// answers from its token store, certificates land in a real store in a temporary data directory.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CertificateRenewerTests {
    @Test func issuesThroughTheRouterThenRenewsAtTwoThirdsOfTheLife() async throws {
        try await withRouterAndPebble { setup in
            try await setup.withRenewer(hosts: [CertificateDemand(host: "shop.renew-test.example", app: "shop")]) { renewer in
            let first = await renewer.renewDue()
            guard case .issued = first["shop.renew-test.example"] else { Issue.record("not issued: \(first)"); return }

            let loaded = try #require(try setup.store.certificate(for: try CertificateHost("shop.renew-test.example")))
            #expect(loaded.record.source == .acme)
            #expect(loaded.record.names == ["shop.renew-test.example"])
            let renewAt = try #require(loaded.record.renewAt)
            let life = loaded.record.notAfter.timeIntervalSince(loaded.record.notBefore)
            #expect(abs(renewAt.timeIntervalSince(loaded.record.notBefore) - life * 2 / 3) < 1)
            let keyFile = setup.store.directory.appendingPathComponent("shop.renew-test.example/key.pem")
            #expect(try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int == 0o600)
            #expect(setup.events.kinds == [.certificateIssued])
            #expect(setup.events.all.first?.app == "shop")
            // The router's token store is empty again once the order is done.
            #expect(setup.router.challengeTokens.isEmpty)

            // Not due yet: nothing is asked of the CA.
            #expect(await renewer.renewDue()["shop.renew-test.example"] == .skipped)
            #expect(await renewer.renewDue(now: renewAt.addingTimeInterval(-60))["shop.renew-test.example"] == .skipped)
            // Past two thirds: a new certificate replaces the old one.
            guard case .issued = await renewer.renewDue(now: renewAt.addingTimeInterval(1))["shop.renew-test.example"] else {
                Issue.record("not renewed"); return
            }
            let renewed = try #require(try setup.store.certificate(for: try CertificateHost("shop.renew-test.example")))
            #expect(renewed.bundle.leaf.serialNumber != loaded.bundle.leaf.serialNumber)
            #expect(renewed.bundle.keyPEM != loaded.bundle.keyPEM)
            #expect(setup.events.kinds == [.certificateIssued, .certificateIssued])
            }
        }
    }

    @Test func aFailedRenewalKeepsTheOldCertificateReportsAndBacksOff() async throws {
        try await withRouterAndPebble { setup in
            let host = "down.renew-test.example"
            try await setup.withRenewer(hosts: [CertificateDemand(host: host, app: "down")], firstRetry: .seconds(60)) { renewer in
            guard case .issued = await renewer.renewDue()[host] else { Issue.record("not issued"); return }
            let old = try #require(try setup.store.certificate(for: try CertificateHost(host)))
            let renewAt = try #require(old.record.renewAt)

            await setup.pebble.stop()  // the CA becomes unreachable
            let due = renewAt.addingTimeInterval(1)
            guard case .failed(let reason) = await renewer.renewDue(now: due)[host] else { Issue.record("did not fail"); return }
            #expect(reason.contains("cannot reach the ACME server"))
            let event = try #require(setup.events.all.last)
            #expect(event.kind == .certificateFailed)
            #expect(event.app == "down")
            #expect(event.message.contains("keeps serving"))
            // The old certificate and key are untouched.
            let still = try #require(try setup.store.certificate(for: try CertificateHost(host)))
            #expect(still.bundle.certificatePEM == old.bundle.certificatePEM)
            #expect(still.bundle.keyPEM == old.bundle.keyPEM)

            // Backoff: not tried again within the first 60 s, tried after, then 120 s.
            #expect(await renewer.renewDue(now: due.addingTimeInterval(59))[host] == .skipped)
            guard case .failed = await renewer.renewDue(now: due.addingTimeInterval(61))[host] else { Issue.record("not retried"); return }
            let state = try #require(await renewer.failures()[host])
            #expect(state.failures == 2)
            #expect(state.nextAttempt == due.addingTimeInterval(61 + 120))
            #expect(setup.events.kinds == [.certificateIssued, .certificateFailed, .certificateFailed])
            }
        }
    }

    @Test func manualCertificatesAndUnprovableWildcardsAreNotOrdered() async throws {
        try await withRouterAndPebble { setup in
            let (certificatePEM, keyPEM) = try selfSigned("own.renew-test.example")
            try setup.store.add(host: "own.renew-test.example", certificatePEM: certificatePEM, keyPEM: keyPEM, source: .manual)
            try await setup.withRenewer(hosts: [
                CertificateDemand(host: "own.renew-test.example", app: "own"),
                CertificateDemand(host: "*.wild.renew-test.example", app: "wild"),
            ]) { renewer in
            let outcomes = await renewer.renewDue(now: Date().addingTimeInterval(400 * 86400))
            #expect(outcomes["own.renew-test.example"] == .skipped)
            let own = try setup.store.certificate(for: try CertificateHost("own.renew-test.example"))
            #expect(own?.bundle.certificatePEM == certificatePEM)
            guard case .failed(let reason) = outcomes["*.wild.renew-test.example"] else { Issue.record("wildcard: \(outcomes)"); return }
            #expect(reason.contains("--acme-dns"))
            #expect(setup.events.kinds == [.certificateFailed])
            }
        }
    }

    @Test func theAccountKeyIsMadeOnceWithMode0600() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-acme-key-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("acme/account-key.pem")
        let key = try AccountKeyFile.loadOrCreate(at: file)
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
        #expect(try AccountKeyFile.loadOrCreate(at: file).jwk == key.jwk)
        try Data("garbage".utf8).write(to: file)
        #expect(throws: ACMEError.self) { try AccountKeyFile.loadOrCreate(at: file) }
    }

    @Test func backoffDoublesUpToItsMaximum() {
        let delays = (1...8).map { RenewalBackoff.delay(failures: $0, first: .seconds(60), maximum: .seconds(3600)) }
        #expect(delays == [60, 120, 240, 480, 960, 1920, 3600, 3600])
    }
}

// MARK: - Setup

struct RenewerSetup {
    let pebble: PebbleHarness
    let router: Router
    let store: CertificateStore
    let events: EventLog

    /// Runs `body` with a renewer for `hosts`, then closes its ACME client.
    func withRenewer(
        hosts: [CertificateDemand], firstRetry: Duration = .seconds(60), _ body: (CertificateRenewer) async throws -> Void
    ) async throws {
        let renewer = try self.renewer(hosts: hosts, firstRetry: firstRetry)
        do {
            try await body(renewer)
        } catch {
            await renewer.shutdown()
            throw error
        }
        await renewer.shutdown()
    }

    func renewer(hosts: [CertificateDemand], firstRetry: Duration) throws -> CertificateRenewer {
        var acme = ACMEClient.Configuration(directoryURL: pebble.directoryURL, caCertificateFile: pebble.caFile, contactEmail: "ops@renew-test.example")
        acme.minPollInterval = .milliseconds(100)
        var configuration = CertificateRenewer.Configuration(acme: acme)
        configuration.firstRetry = firstRetry
        configuration.maximumRetry = .seconds(3600)
        let events = self.events
        return try CertificateRenewer(
            configuration: configuration, store: store, hosts: FixedHosts(demands: hosts),
            solver: RouterHTTP01Solver(tokens: router.challengeTokens), accountKey: ACMEAccountKey(),
            report: { events.append($0) }, logger: Logger(label: "test.certificates"))
    }
}

/// A router on a free port and a pebble that validates HTTP-01 on that port.
func withRouterAndPebble(_ body: (RenewerSetup) async throws -> Void) async throws {
    var logger = Logger(label: "test.router")
    logger.logLevel = .warning
    let router = Router(host: "127.0.0.1", port: try TestPorts.next(), routes: RouteTable(), logger: logger)
    let port = try await router.start()
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-certs-\(UUID().uuidString.prefix(8))")
    do {
        try await PebbleHarness.withPebble(httpPort: port) { pebble in
            try await body(RenewerSetup(pebble: pebble, router: router, store: CertificateStore(directory: data.appendingPathComponent("certs")), events: EventLog()))
        }
    } catch {
        try? await router.stop()
        try? FileManager.default.removeItem(at: data)
        throw error
    }
    try await router.stop()
    try? FileManager.default.removeItem(at: data)
}

/// The hosts a test names (the server's source is the custom domains in its store).
struct FixedHosts: CertificateHostsSource {
    let demands: [CertificateDemand]
    func hostsNeedingCertificates() async throws -> [CertificateDemand] { demands }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [AppEvent] = []
    func append(_ event: AppEvent) { lock.withLock { events.append(event) } }
    var all: [AppEvent] { lock.withLock { events } }
    var kinds: [AppEvent.Kind] { all.map(\.kind) }
}

