import Crypto
import Foundation

/// A TSIG key (RFC 8945): its name as the server knows it and its shared secret. HMAC-SHA256 only,
/// the algorithm RFC 8945 section 6 makes mandatory.
public struct TSIGKey: Sendable {
    public let name: DNSName
    let secret: SymmetricKey

    public static let algorithm = DNSName(validLabels: ["hmac-sha256"])

    /// - Parameter base64Secret: the secret as `tsig-keygen` prints it (base64).
    public init(name: String, base64Secret: String) throws {
        guard let secret = Data(base64Encoded: base64Secret), !secret.isEmpty else {
            throw DNSUpdateError.invalidArgument("the TSIG secret of key \"\(name)\" is not base64 (make one with `tsig-keygen -a hmac-sha256 NAME`)")
        }
        self.name = try DNSName(name)
        guard !self.name.labels.isEmpty else { throw DNSUpdateError.invalidArgument("a TSIG key needs a name") }
        self.secret = SymmetricKey(data: secret)
    }
}

/// TSIG signing of requests and verification of answers (RFC 8945 sections 4 and 5).
public enum TSIG {
    /// Seconds of clock difference allowed either way (RFC 8945 recommends 300).
    public static let fudge: UInt16 = 300

    /// The TSIG fields that are not the MAC.
    struct Fields {
        var timeSigned: UInt64
        var fudge: UInt16
        var originalID: UInt16
        var error: UInt16
        var other: [UInt8]
    }

    /// `message` with a TSIG record appended (and the additional count raised), and the MAC,
    /// which verifies the answer.
    public static func sign(_ message: [UInt8], key: TSIGKey, time: UInt64, fudge: UInt16 = fudge) -> (signed: [UInt8], mac: [UInt8]) {
        let originalID = UInt16(message[0]) << 8 | UInt16(message[1])
        let fields = Fields(timeSigned: time, fudge: fudge, originalID: originalID, error: 0, other: [])
        let mac = Array(HMAC<SHA256>.authenticationCode(for: digestInput(message: message, key: key, fields: fields, requestMAC: nil), using: key.secret))
        var signed = message
        let additional = (UInt16(signed[10]) << 8 | UInt16(signed[11])) + 1
        signed[10] = UInt8(additional >> 8)
        signed[11] = UInt8(additional & 0xFF)
        key.name.write(to: &signed)
        signed.appendUInt16(DNSType.tsig)
        signed.appendUInt16(DNSClass.any)
        signed.appendUInt32(0)
        let data = recordData(fields: fields, mac: mac)
        signed.appendUInt16(UInt16(data.count))
        signed.append(contentsOf: data)
        return (signed, mac)
    }

    /// Reads an answer to a request signed with `requestMAC` and checks its signature (RFC 8945
    /// 5.3.2): the last additional record must be a TSIG of `key`, the MAC must verify and the
    /// time must be within the fudge of `now`. The TSIG record is removed from the result.
    public static func verify(answer bytes: [UInt8], key: TSIGKey, requestMAC: [UInt8], now: UInt64) throws -> DNSMessage {
        var message = try DNSMessage.decode(bytes)
        guard let record = message.additional.last, record.type == DNSType.tsig, let start = message.lastAdditionalOffset else {
            let rcode = message.rcode
            let detail = rcode == 0 ? "" : " (it answered \(DNSUpdateError.describe(rcode: rcode)))"
            throw DNSUpdateError(kind: .badSignature, message: "the DNS server's answer is not signed with TSIG\(detail): it cannot be trusted", code: rcode == 0 ? nil : rcode)
        }
        guard record.name == key.name else {
            throw DNSUpdateError(kind: .badSignature, message: "the DNS server's answer is signed with key \(record.name), not \(key.name)")
        }
        var reader = WireReader(bytes: record.data)
        let algorithm = try reader.name()
        let timeSigned = try reader.uint48()
        let fudge = try reader.uint16()
        let mac = Array(try reader.take(Int(try reader.uint16())))
        let fields = Fields(timeSigned: timeSigned, fudge: fudge, originalID: try reader.uint16(), error: try reader.uint16(),
                            other: Array(try reader.take(Int(try reader.uint16()))))
        if fields.error != 0 {
            // BADSIG and BADKEY answers carry no MAC (RFC 8945 5.3.2): the error is all there is.
            throw DNSUpdateError(kind: .refused, message: "the DNS server refused the request's signature: \(DNSUpdateError.describe(rcode: Int(fields.error)))",
                                 code: Int(fields.error))
        }
        guard algorithm == TSIGKey.algorithm else {
            throw DNSUpdateError(kind: .badSignature, message: "the DNS server's answer is signed with \(algorithm), not hmac-sha256")
        }
        var unsigned = Array(bytes[..<start])
        let additional = (UInt16(unsigned[10]) << 8 | UInt16(unsigned[11])) - 1
        unsigned[10] = UInt8(additional >> 8)
        unsigned[11] = UInt8(additional & 0xFF)
        unsigned[0] = UInt8(fields.originalID >> 8)
        unsigned[1] = UInt8(fields.originalID & 0xFF)
        let input = digestInput(message: unsigned, key: key, fields: fields, requestMAC: requestMAC)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: input, using: key.secret) else {
            throw DNSUpdateError(kind: .badSignature, message: "the DNS server's answer has a TSIG signature that does not verify: it was changed on the way or not made with this key")
        }
        let difference = now > timeSigned ? now - timeSigned : timeSigned - now
        guard difference <= UInt64(fudge) else {
            throw DNSUpdateError(kind: .badSignature, message: "the DNS server's answer was signed \(difference) s away from this machine's clock (more than its fudge of \(fudge) s): check both clocks")
        }
        message.additional.removeLast()
        message.lastAdditionalOffset = nil
        return message
    }

    /// What the MAC is computed over (RFC 8945 4.3): the request's MAC for an answer, the
    /// message without its TSIG, then the TSIG variables in canonical form.
    static func digestInput(message: [UInt8], key: TSIGKey, fields: Fields, requestMAC: [UInt8]?) -> [UInt8] {
        var input: [UInt8] = []
        if let requestMAC {
            input.appendUInt16(UInt16(requestMAC.count))
            input.append(contentsOf: requestMAC)
        }
        input.append(contentsOf: message)
        key.name.write(to: &input)
        input.appendUInt16(DNSClass.any)
        input.appendUInt32(0)
        TSIGKey.algorithm.write(to: &input)
        input.appendUInt48(fields.timeSigned)
        input.appendUInt16(fields.fudge)
        input.appendUInt16(fields.error)
        input.appendUInt16(UInt16(fields.other.count))
        input.append(contentsOf: fields.other)
        return input
    }

    static func recordData(fields: Fields, mac: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        TSIGKey.algorithm.write(to: &data)
        data.appendUInt48(fields.timeSigned)
        data.appendUInt16(fields.fudge)
        data.appendUInt16(UInt16(mac.count))
        data.append(contentsOf: mac)
        data.appendUInt16(fields.originalID)
        data.appendUInt16(fields.error)
        data.appendUInt16(UInt16(fields.other.count))
        data.append(contentsOf: fields.other)
        return data
    }
}
