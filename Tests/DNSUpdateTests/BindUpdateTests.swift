import ACMETestSupport
import Commands
import DNSUpdate
import Foundation
import Logging
import TestPorts
import Testing

/// The client against a real BIND (named) started for each test: a zone that accepts updates
/// signed with one TSIG key. What the tests assert is what `dig` (an independent client) sees.
@Suite("RFC 2136 updates against a real BIND")
struct BindUpdateTests {
    static func client(_ bind: BindHarness, secret: String? = nil) throws -> RFC2136Client {
        let key = try TSIGKey(name: bind.keyName, base64Secret: secret ?? bind.secret)
        return RFC2136Client(configuration: .init(host: "127.0.0.1", port: bind.port, key: key), logger: Logger(label: "dns-test"))
    }

    /// The TXT values `dig` gets from the server for `name`.
    static func dig(_ bind: BindHarness, _ name: String) async throws -> [String] {
        let output = try await Command(PebbleHarness.which("dig") ?? "/usr/bin/dig",
                                       ["@127.0.0.1", "-p", String(bind.port), "+tcp", "+short", "TXT", name], timeout: .seconds(30))
            .runChecked().standardOutput
        return output.split(separator: "\n").map { $0.replacingOccurrences(of: "\"", with: "") }.sorted()
    }

    @Test("a signed update adds a TXT record dig then sees, a second value joins it, a delete takes exactly one away")
    func addAndDelete() async throws {
        try await BindHarness.withBind { bind in
            let client = try Self.client(bind)
            let name = try DNSName("_acme-challenge.shop.\(bind.zone)")
            #expect(try await client.zone(containing: name) == DNSName(bind.zone))
            try await client.addTXT(name: name, value: "first-value")
            try await client.addTXT(name: name, value: "second-value")
            #expect(try await Self.dig(bind, name.description) == ["first-value", "second-value"], "\(bind.log.suffix(1500))")
            #expect(try await client.txtValues(name: name).sorted() == ["first-value", "second-value"])
            try await client.deleteTXT(name: name, value: "first-value")
            #expect(try await Self.dig(bind, name.description) == ["second-value"])
            try await client.deleteTXT(name: name, value: "second-value")
            #expect(try await client.txtValues(name: name).isEmpty)
        }
    }

    @Test("an update signed with a wrong secret is refused (BADSIG) and changes nothing")
    func wrongSecretRefused() async throws {
        try await BindHarness.withBind { bind in
            let name = try DNSName("_acme-challenge.forged.\(bind.zone)")
            let forger = try Self.client(bind, secret: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())
            let error = await #expect(throws: DNSUpdateError.self) { try await forger.addTXT(name: name, value: "forged", zone: try DNSName(bind.zone)) }
            #expect(error?.message.contains("BADSIG") == true, "\(error?.message ?? "")")
            #expect(try await Self.dig(bind, name.description).isEmpty)
        }
    }

    @Test("an update under an unknown key name is refused (BADKEY), one outside the server's zones is refused, nothing changes")
    func unknownKeyAndZoneRefused() async throws {
        try await BindHarness.withBind { bind in
            let name = try DNSName("_acme-challenge.other.\(bind.zone)")
            let stranger = RFC2136Client(
                configuration: .init(host: "127.0.0.1", port: bind.port, key: try TSIGKey(name: "stranger", base64Secret: bind.secret)),
                logger: Logger(label: "dns-test"))
            let badKey = await #expect(throws: DNSUpdateError.self) { try await stranger.addTXT(name: name, value: "x", zone: try DNSName(bind.zone)) }
            #expect(badKey?.message.contains("BADKEY") == true, "\(badKey?.message ?? "")")
            let client = try Self.client(bind)
            let outside = await #expect(throws: DNSUpdateError.self) { try await client.addTXT(name: try DNSName("_acme-challenge.example.org"), value: "x") }
            #expect(outside?.message.contains("not authoritative") == true || outside?.message.contains("REFUSED") == true, "\(outside?.message ?? "")")
            #expect(try await Self.dig(bind, name.description).isEmpty)
        }
    }

    @Test("a server that is not there: a clear error naming it, within the timeout")
    func unreachableServer() async throws {
        let port = try TestPorts.next()
        var configuration = RFC2136Client.Configuration(host: "127.0.0.1", port: port, key: try TSIGKey(name: "k", base64Secret: "c2VjcmV0"))
        configuration.timeout = .seconds(3)
        let client = RFC2136Client(configuration: configuration, logger: Logger(label: "dns-test"))
        let error = await #expect(throws: DNSUpdateError.self) { try await client.addTXT(name: try DNSName("_acme-challenge.a.test"), value: "v") }
        #expect(error?.kind == .unreachable && error?.message.contains("127.0.0.1:\(port)") == true, "\(error?.message ?? "")")
    }
}
