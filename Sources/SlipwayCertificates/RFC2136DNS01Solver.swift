import ACME
import DNSUpdate
import Logging

/// DNS-01 answered through an authoritative DNS server that takes RFC 2136 updates
/// (`--acme-dns rfc2136://KEYNAME:SECRET@HOST:PORT`): the TXT record `_acme-challenge.HOST` is
/// added, and the challenge is answered only once that server serves it (asked directly, so no
/// resolver's cache is in the way); the record is deleted afterwards, whatever the outcome.
public struct RFC2136DNS01Solver: ACMEChallengeSolver {
    public let client: RFC2136Client
    /// How long the server may take to serve an added record (a hidden primary's secondaries are not asked).
    public var propagationTimeout: Duration = .seconds(60)
    public var pollInterval: Duration = .milliseconds(250)
    let logger: Logger

    public var challengeType: ACMEChallengeType { .dns01 }

    public init(client: RFC2136Client, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func present(_ task: ACMEChallengeTask) async throws {
        let name = try DNSName(task.dnsRecordName)
        let zone = try await client.zone(containing: name)
        try await client.addTXT(name: name, value: task.dnsValue, ttl: 60, zone: zone)
        do {
            try await waitUntilServed(name, value: task.dnsValue)
        } catch {
            // The ACME client cleans up only challenges it answered: this one it never will.
            await cleanUp(task)
            throw error
        }
        logger.debug("DNS-01 record served", metadata: ["tls.host": .string(task.host), "dns.zone": .string(zone.description)])
    }

    private func waitUntilServed(_ name: DNSName, value: String) async throws {
        let deadline = ContinuousClock.now + propagationTimeout
        while ContinuousClock.now < deadline {
            if try await client.txtValues(name: name).contains(value) { return }
            try await Task.sleep(for: pollInterval)
        }
        throw CertificateRenewalError("the DNS server \(client.configuration.host):\(client.configuration.port) took the TXT record \(name) but did not serve it within \(propagationTimeout)")
    }

    public func cleanUp(_ task: ACMEChallengeTask) async {
        do {
            try await client.deleteTXT(name: try DNSName(task.dnsRecordName), value: task.dnsValue)
        } catch {
            // Left behind, the record only answers a challenge that is over; say so and go on.
            logger.warning("cannot delete the DNS-01 record", metadata: ["tls.host": .string(task.host), "error": "\(error)"])
        }
    }
}
