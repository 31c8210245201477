import ACME
import ACMETestSupport
import CertificateStore
import DNSUpdate
import Foundation
import Logging
import SlipwayCore
import SlipwayRouter
import TestPorts
import Testing
import X509

@testable import SlipwayCertificates

/// DNS-01 end to end without the server: a real BIND authoritative for the test zone (updates
/// signed with TSIG), a real pebble resolving through it, the renewer answering wildcards with
/// RFC 2136 updates and plain hosts with HTTP-01 through the real router.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DNS01RenewerTests {
    @Test("a wildcard of the server's domain (no app) and a wildcard custom domain are issued through BIND; the TXT records are gone afterwards")
    func wildcardsThroughBind() async throws {
        try await BindHarness.withBind { bind in
            let router = Router(host: "127.0.0.1", port: try TestPorts.next(), routes: RouteTable(), logger: Logger(label: "test.router"))
            let httpPort = try await router.start()
            do {
                try await issue(bind: bind, router: router, httpPort: httpPort)
            } catch {
                try? await router.stop()
                throw error
            }
            try await router.stop()
        }
    }

    private func issue(bind: BindHarness, router: Router, httpPort: Int) async throws {
        do {
            try await PebbleHarness.withPebble(httpPort: httpPort, dnsServer: bind.address) { pebble in
                let data = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-dns01-\(UUID().uuidString.prefix(8))")
                defer { try? FileManager.default.removeItem(at: data) }
                let store = CertificateStore(directory: data)
                let events = EventLog()
                let dns = RFC2136Client(
                    configuration: .init(host: "127.0.0.1", port: bind.port, key: try TSIGKey(name: bind.keyName, base64Secret: bind.secret)),
                    logger: Logger(label: "test.dns"))
                var acme = ACMEClient.Configuration(directoryURL: pebble.directoryURL, caCertificateFile: pebble.caFile, contactEmail: "ops@slipway.test")
                acme.minPollInterval = .milliseconds(100)
                let demands = [
                    CertificateDemand(host: "*.apps.\(bind.zone)", app: nil),
                    CertificateDemand(host: "*.shop.\(bind.zone)", app: "shop"),
                    CertificateDemand(host: "plain.\(bind.zone)", app: "plain"),
                ]
                let renewer = try CertificateRenewer(
                    configuration: .init(acme: acme), store: store, hosts: FixedHosts(demands: demands),
                    solvers: [RouterHTTP01Solver(tokens: router.challengeTokens), RFC2136DNS01Solver(client: dns, logger: Logger(label: "test.dns"))],
                    accountKey: ACMEAccountKey(), report: { events.append($0) }, logger: Logger(label: "test.certificates"))
                let outcomes = await renewer.renewDue()
                await renewer.shutdown()
                for demand in demands {
                    guard case .issued = outcomes[demand.host] else {
                        Issue.record("\(demand.host): \(String(describing: outcomes[demand.host]))\nnamed:\n\(bind.log.suffix(1500))")
                        continue
                    }
                    let loaded = try #require(try store.certificate(for: try CertificateHost(demand.host)))
                    #expect(loaded.record.names == [demand.host] && loaded.record.source == .acme)
                }
                // Only apps get events: the server's own wildcard belongs to none.
                #expect(events.all.map(\.app).sorted() == ["plain", "shop"] && events.kinds == [.certificateIssued, .certificateIssued])
                for name in ["_acme-challenge.apps.\(bind.zone)", "_acme-challenge.shop.\(bind.zone)"] {
                    #expect(try await dns.txtValues(name: try DNSName(name)).isEmpty, "\(name) left behind")
                }
            }
        }
    }

    @Test("a DNS server that refuses the key: the wildcard fails with the reason and a retry time, nothing is stored")
    func refusedKeyIsAFailureWithBackoff() async throws {
        try await BindHarness.withBind { bind in
            try await PebbleHarness.withPebble(dnsServer: bind.address) { pebble in
                let data = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-dns01-\(UUID().uuidString.prefix(8))")
                defer { try? FileManager.default.removeItem(at: data) }
                let store = CertificateStore(directory: data)
                let wrongKey = try TSIGKey(name: bind.keyName, base64Secret: Data(repeating: 7, count: 32).base64EncodedString())
                let dns = RFC2136Client(configuration: .init(host: "127.0.0.1", port: bind.port, key: wrongKey), logger: Logger(label: "test.dns"))
                var acme = ACMEClient.Configuration(directoryURL: pebble.directoryURL, caCertificateFile: pebble.caFile, contactEmail: "ops@slipway.test")
                acme.minPollInterval = .milliseconds(100)
                let events = EventLog()
                let renewer = try CertificateRenewer(
                    configuration: .init(acme: acme), store: store, hosts: FixedHosts(demands: [CertificateDemand(host: "*.wild.\(bind.zone)", app: "wild")]),
                    solvers: [RFC2136DNS01Solver(client: dns, logger: Logger(label: "test.dns"))],
                    accountKey: ACMEAccountKey(), report: { events.append($0) }, logger: Logger(label: "test.certificates"))
                let outcomes = await renewer.renewDue()
                let failures = await renewer.failures()
                await renewer.shutdown()
                guard case .failed(let reason) = outcomes["*.wild.\(bind.zone)"] else { Issue.record("\(outcomes)"); return }
                #expect(reason.contains("BADSIG"), "\(reason)")
                #expect(failures["*.wild.\(bind.zone)"]?.nextAttempt != nil && failures["*.wild.\(bind.zone)"]?.failures == 1)
                #expect(try store.certificate(for: try CertificateHost("*.wild.\(bind.zone)")) == nil)
                #expect(events.kinds == [.certificateFailed])
            }
        }
    }
}
