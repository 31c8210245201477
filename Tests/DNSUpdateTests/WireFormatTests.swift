import DNSUpdate
import Foundation
import Testing

/// The wire format and TSIG against vectors made with dnspython 2.9.2 (an independent
/// implementation): an UPDATE adding `_acme-challenge.example.test. 60 TXT "abc-DEF_123"` to zone
/// `example.test.` (id 0x1234), signed with key `acme-key.` (hmac-sha256, secret
/// "slipway-test-secret-0123456789ab") at time 1700000000, fudge 300, and a signed answer to it.
@Suite("DNS wire format and TSIG")
struct WireFormatTests {
    static let secret = "c2xpcHdheS10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5YWI="
    /// dnspython's unsigned UPDATE (it compresses the record's owner name against the zone).
    static let unsignedUpdate = hex("123428000001000000010000076578616d706c65047465737400000600010f5f61636d652d6368616c6c656e6765c00c001000010000003c000c0b6162632d4445465f313233")
    static let signedUpdate = hex("123428000001000000010001076578616d706c65047465737400000600010f5f61636d652d6368616c6c656e6765c00c001000010000003c000c0b6162632d4445465f3132330861636d652d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002084058504f32f7c71410b236bf576f57f56e19e56e977ee34ea650072000a3a69123400000000")
    static let requestMAC = hex("84058504f32f7c71410b236bf576f57f56e19e56e977ee34ea650072000a3a69")
    static let signedAnswer = hex("1234a8000001000000000001076578616d706c65047465737400000600010861636d652d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f101012c002039dc9b2a5accf73fccea6200a0e76dc7f3be7bbda451441ce5bb76a6cfc6e609123400000000")

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    var key: TSIGKey { get throws { try TSIGKey(name: "acme-key", base64Secret: Self.secret) } }

    @Test("dnspython's UPDATE decodes to the zone and the TXT record, compression followed")
    func decodesUpdate() throws {
        let message = try DNSMessage.decode(Self.unsignedUpdate)
        #expect(message.id == 0x1234 && message.opcode == DNSMessage.opcodeUpdate)
        #expect(message.questions == [DNSQuestion(name: try DNSName("example.test"), type: DNSType.soa)])
        #expect(message.authority == [DNSRecord.txt(name: try DNSName("_acme-challenge.example.test"), value: "abc-DEF_123", ttl: 60)])
        #expect(message.authority.first?.txtValue == "abc-DEF_123")
    }

    @Test("the same UPDATE encoded here decodes to the same message")
    func encodesUpdate() throws {
        let ours = DNSMessage.update(id: 0x1234, zone: try DNSName("example.test."), updates: [
            .txt(name: try DNSName("_acme-challenge.example.test"), value: "abc-DEF_123", ttl: 60),
        ])
        let decoded = try DNSMessage.decode(ours.encoded())
        let theirs = try DNSMessage.decode(Self.unsignedUpdate)
        #expect(decoded.questions == theirs.questions && decoded.authority == theirs.authority && decoded.flags == theirs.flags)
    }

    @Test("signing gives dnspython's TSIG record and MAC byte for byte")
    func signsAsDnspython() throws {
        let (signed, mac) = TSIG.sign(Self.unsignedUpdate, key: try key, time: 1_700_000_000)
        #expect(mac == Self.requestMAC)
        #expect(signed == Self.signedUpdate)
    }

    @Test("dnspython's signed answer verifies, and loses its TSIG record")
    func verifiesAnswer() throws {
        let answer = try TSIG.verify(answer: Self.signedAnswer, key: try key, requestMAC: Self.requestMAC, now: 1_700_000_001)
        #expect(answer.isResponse && answer.rcode == 0 && answer.additional.isEmpty)
    }

    @Test("an answer changed on the way, signed with another key, for another request or out of time is refused")
    func refusesForgedAnswers() throws {
        var changed = Self.signedAnswer
        changed[3] = 0x05  // NOERROR turned into REFUSED by someone on the path
        #expect(throws: DNSUpdateError.self) { try TSIG.verify(answer: changed, key: try key, requestMAC: Self.requestMAC, now: 1_700_000_001) }
        let other = try TSIGKey(name: "acme-key", base64Secret: Data("another secret entirely, 32 byte".utf8).base64EncodedString())
        #expect(throws: DNSUpdateError.self) { try TSIG.verify(answer: Self.signedAnswer, key: other, requestMAC: Self.requestMAC, now: 1_700_000_001) }
        var otherRequest = Self.requestMAC
        otherRequest[0] ^= 1
        #expect(throws: DNSUpdateError.self) { try TSIG.verify(answer: Self.signedAnswer, key: try key, requestMAC: otherRequest, now: 1_700_000_001) }
        let late = #expect(throws: DNSUpdateError.self) { try TSIG.verify(answer: Self.signedAnswer, key: try key, requestMAC: Self.requestMAC, now: 1_700_000_400) }
        #expect(late?.message.contains("clock") == true)
        let unsigned = Array(Self.signedAnswer[..<30])  // header and zone only, ARCOUNT still 1
        #expect(throws: DNSUpdateError.self) { try TSIG.verify(answer: unsigned, key: try key, requestMAC: Self.requestMAC, now: 1_700_000_001) }
    }

    @Test("hostile messages are refused without a crash: pointer loops, forward pointers, lengths past the end")
    func hostileMessages() {
        let header: [UInt8] = [0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for body: [UInt8] in [[0xC0, 12, 0, 6, 0, 1], [0xC0, 40, 0, 6, 0, 1], [63, 1, 2], [0x40, 0], [], [3, 0x61]] {
            #expect(throws: DNSUpdateError.self) { try DNSMessage.decode(header + body) }
        }
    }

    @Test("names: case folded, trailing dot optional, bad labels refused")
    func names() throws {
        #expect(try DNSName("Example.TEST.") == DNSName("example.test"))
        #expect(try DNSName("_acme-challenge.a.example.test").isWithin(DNSName("example.test")))
        #expect(try !DNSName("example.test").isWithin(DNSName("a.example.test")))
        for bad in ["a..b", String(repeating: "x", count: 64) + ".test", "sp ace.test", Array(repeating: "abcdefgh", count: 40).joined(separator: ".")] {
            #expect(throws: DNSUpdateError.self) { try DNSName(bad) }
        }
        #expect(DNSRecord.txt(name: .root, value: String(repeating: "v", count: 300), ttl: 1).data.count == 302)
        #expect(DNSRecord.txt(name: .root, value: String(repeating: "v", count: 300), ttl: 1).txtValue?.count == 300)
    }

    @Test("rfc2136:// URLs: key, secret (percent-encoded or not), host and port; bad ones say what is wrong")
    func urls() throws {
        let plain = try RFC2136Client.Configuration(url: "rfc2136://acme-key:\(Self.secret)@127.0.0.1:5353")
        let keyName = try DNSName("acme-key")
        #expect(plain.host == "127.0.0.1" && plain.port == 5353 && plain.key.name == keyName)
        let encoded = try RFC2136Client.Configuration(url: "rfc2136://acme-key:c2xpcHdheS10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5YWI%3D@[::1]")
        #expect(encoded.host == "::1" && encoded.port == 53)
        for (bad, says) in [("http://k:\(Self.secret)@h:53", "rfc2136://"), ("rfc2136://h:53", "KEYNAME:SECRET"),
                            ("rfc2136://k:not base64!@h:53", "base64"), ("rfc2136://k:\(Self.secret)@h:99999", "port"),
                            ("rfc2136://k:\(Self.secret)@:53", "HOST:PORT"), ("rfc2136://:\(Self.secret)@h:53", "name")] {
            let error = #expect(throws: DNSUpdateError.self) { try RFC2136Client.Configuration(url: bad) }
            #expect(error?.message.contains(says) == true, "\(bad): \(error?.message ?? "")")
        }
    }
}
