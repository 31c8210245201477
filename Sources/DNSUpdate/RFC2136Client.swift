import Foundation
import Logging

/// A client of an authoritative DNS server that accepts dynamic updates (RFC 2136) signed with
/// TSIG (RFC 8945): BIND, Knot, PowerDNS and most managed DNS gateways. It adds and deletes TXT
/// records and reads them back from the same server. Every update is signed and every answer
/// to an update must carry a signature that verifies.
public struct RFC2136Client: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var key: TSIGKey
        /// How long one request may wait for its answer.
        public var timeout: Duration = .seconds(10)

        public init(host: String, port: Int = 53, key: TSIGKey) {
            self.host = host
            self.port = port
            self.key = key
        }

        /// `rfc2136://KEYNAME:SECRET@HOST[:PORT]`; the secret is base64 (percent-encode `/`, `+`
        /// and `=` as a URL needs, or not: the last `@` ends it).
        public init(url: String) throws {
            let scheme = "rfc2136://"
            guard url.lowercased().hasPrefix(scheme) else {
                throw DNSUpdateError.invalidArgument("the DNS update server must be given as rfc2136://KEYNAME:SECRET@HOST:PORT (got a URL without that scheme)")
            }
            let rest = url.dropFirst(scheme.count)
            guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else {
                throw DNSUpdateError.invalidArgument("rfc2136:// needs the TSIG key's name and secret before the host: rfc2136://KEYNAME:SECRET@HOST:PORT")
            }
            let keyName = String(rest[..<colon]).removingPercentEncoding ?? ""
            let secret = String(rest[rest.index(after: colon)..<at]).removingPercentEncoding ?? ""
            var address = String(rest[rest.index(after: at)...])
            if address.hasSuffix("/") { address.removeLast() }
            let (host, port) = try Self.hostAndPort(address)
            self.init(host: host, port: port, key: try TSIGKey(name: keyName, base64Secret: secret))
        }

        static func hostAndPort(_ address: String) throws -> (String, Int) {
            var host = address
            var port = 53
            if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
                host = String(address[address.index(after: address.startIndex)..<close])
                let tail = address[address.index(after: close)...]
                if tail.hasPrefix(":") { port = Int(tail.dropFirst()) ?? -1 } else if !tail.isEmpty { port = -1 }
            } else if let colon = address.lastIndex(of: ":") {
                host = String(address[..<colon])
                port = Int(address[address.index(after: colon)...]) ?? -1
            }
            guard (1...65535).contains(port) else {
                throw DNSUpdateError.invalidArgument("the DNS server's port in \"\(address)\" is not a number from 1 to 65535")
            }
            guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || "/?#@".contains($0) }) else {
                throw DNSUpdateError.invalidArgument("\"\(address)\" is not a DNS server's HOST:PORT")
            }
            return (host, port)
        }
    }

    public let configuration: Configuration
    let logger: Logger
    /// Seconds since 1970 for TSIG's time; a test gives its own clock.
    let clock: @Sendable () -> UInt64
    var transport: DNSTransport { DNSTransport(host: configuration.host, port: configuration.port, timeout: configuration.timeout) }

    public init(configuration: Configuration, logger: Logger, clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "dns.server"] = .string("\(configuration.host):\(configuration.port)")
        self.logger = logger
        self.clock = clock
    }

    /// The zone the server holds `name` in: the owner of the SOA record it answers with, in the
    /// answer for the zone's apex or in the authority section below it (as nsupdate finds it).
    public func zone(containing name: DNSName) async throws -> DNSName {
        let answer = try await query(name, type: DNSType.soa)
        guard answer.rcode == 0 || answer.rcode == 3 else {
            throw DNSUpdateError(kind: .refused, message: "the DNS server answered the SOA query for \(name) with \(DNSUpdateError.describe(rcode: answer.rcode))", code: answer.rcode)
        }
        guard let soa = (answer.answers + answer.authority).first(where: { $0.type == DNSType.soa && name.isWithin($0.name) }) else {
            throw DNSUpdateError(kind: .refused, message: "the DNS server at \(configuration.host):\(configuration.port) is not authoritative for \(name) (its answer names no zone holding it)")
        }
        return soa.name
    }

    /// Adds `value` to the TXT records of `name` (other values of the name stay).
    public func addTXT(name: DNSName, value: String, ttl: UInt32 = 60, zone: DNSName? = nil) async throws {
        let zone = try await resolvedZone(zone, for: name)
        try await update(zone: zone, [DNSRecord.txt(name: name, value: value, ttl: ttl)], what: "adding TXT \(name)")
    }

    /// Deletes the TXT record of `name` holding exactly `value` (RFC 2136 2.5.4); others stay.
    public func deleteTXT(name: DNSName, value: String, zone: DNSName? = nil) async throws {
        let zone = try await resolvedZone(zone, for: name)
        try await update(zone: zone, [DNSRecord.txt(name: name, value: value, ttl: 0, recordClass: DNSClass.none)], what: "deleting TXT \(name)")
    }

    /// The TXT values of `name` as the server answers them now.
    public func txtValues(name: DNSName) async throws -> [String] {
        let answer = try await query(name, type: DNSType.txt)
        return answer.answers.filter { $0.type == DNSType.txt && $0.name == name }.compactMap(\.txtValue)
    }

    private func resolvedZone(_ zone: DNSName?, for name: DNSName) async throws -> DNSName {
        if let zone {
            guard name.isWithin(zone) else { throw DNSUpdateError.invalidArgument("\(name) is not within the zone \(zone)") }
            return zone
        }
        return try await self.zone(containing: name)
    }

    /// Sends a signed UPDATE and checks the answer is signed by the server and says NOERROR.
    func update(zone: DNSName, _ records: [DNSRecord], what: String) async throws {
        let request = DNSMessage.update(id: UInt16.random(in: .min ... .max), zone: zone, updates: records)
        let (signed, mac) = TSIG.sign(request.encoded(), key: configuration.key, time: clock())
        let bytes = try await transport.exchange(signed)
        let answer = try TSIG.verify(answer: bytes, key: configuration.key, requestMAC: mac, now: clock())
        guard answer.id == request.id, answer.isResponse else {
            throw DNSUpdateError(kind: .malformedAnswer, message: "the DNS server's answer to \(what) is not an answer to it (id \(answer.id))")
        }
        guard answer.rcode == 0 else {
            throw DNSUpdateError(kind: .refused, message: "the DNS server refused \(what) in zone \(zone): \(DNSUpdateError.describe(rcode: answer.rcode))", code: answer.rcode)
        }
        logger.debug("DNS update done", metadata: ["dns.update": .string(what), "dns.zone": .string(zone.description)])
    }

    func query(_ name: DNSName, type: UInt16) async throws -> DNSMessage {
        let request = DNSMessage.query(id: UInt16.random(in: .min ... .max), name: name, type: type)
        let answer = try DNSMessage.decode(try await transport.exchange(request.encoded()))
        guard answer.id == request.id, answer.isResponse else {
            throw DNSUpdateError(kind: .malformedAnswer, message: "the DNS server's answer to the query for \(name) is not an answer to it")
        }
        return answer
    }
}
