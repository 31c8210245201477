/// A DNS message (RFC 1035 section 4.1): header and four sections. In an UPDATE (RFC 2136 2)
/// the sections are zone, prerequisites, updates and additional data.
public struct DNSMessage: Sendable {
    public var id: UInt16
    /// QR, opcode, AA, TC, RD, RA, Z and RCODE as the header carries them.
    public var flags: UInt16
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authority: [DNSRecord] = []
    public var additional: [DNSRecord] = []
    /// Where the last additional record starts in the bytes it was decoded from (TSIG is checked over what precedes it).
    var lastAdditionalOffset: Int?

    public static let opcodeQuery: UInt16 = 0
    public static let opcodeUpdate: UInt16 = 5

    public init(id: UInt16, flags: UInt16) {
        self.id = id
        self.flags = flags
    }

    /// An UPDATE of `zone` (RFC 2136): the zone section names it, the update section holds `updates`.
    public static func update(id: UInt16, zone: DNSName, updates: [DNSRecord]) -> DNSMessage {
        var message = DNSMessage(id: id, flags: opcodeUpdate << 11)
        message.questions = [DNSQuestion(name: zone, type: DNSType.soa)]
        message.authority = updates
        return message
    }

    /// A question without recursion: the server answers from its own zones.
    public static func query(id: UInt16, name: DNSName, type: UInt16) -> DNSMessage {
        var message = DNSMessage(id: id, flags: opcodeQuery << 11)
        message.questions = [DNSQuestion(name: name, type: type)]
        return message
    }

    public var isResponse: Bool { flags & 0x8000 != 0 }
    public var opcode: UInt16 { (flags >> 11) & 0xF }
    public var rcode: Int { Int(flags & 0xF) }
    public var isTruncated: Bool { flags & 0x0200 != 0 }

    /// The wire form, names uncompressed.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        for value in [id, flags, UInt16(questions.count), UInt16(answers.count), UInt16(authority.count), UInt16(additional.count)] {
            bytes.appendUInt16(value)
        }
        for question in questions {
            question.name.write(to: &bytes)
            bytes.appendUInt16(question.type)
            bytes.appendUInt16(question.recordClass)
        }
        for record in answers + authority + additional {
            record.name.write(to: &bytes)
            bytes.appendUInt16(record.type)
            bytes.appendUInt16(record.recordClass)
            bytes.appendUInt32(record.ttl)
            bytes.appendUInt16(UInt16(record.data.count))
            bytes.append(contentsOf: record.data)
        }
        return bytes
    }

    /// Reads a message, following name compression (RFC 1035 4.1.4).
    public static func decode(_ bytes: [UInt8]) throws -> DNSMessage {
        var reader = WireReader(bytes: bytes)
        var message = DNSMessage(id: try reader.uint16(), flags: try reader.uint16())
        let counts = try (0..<4).map { _ in Int(try reader.uint16()) }
        for _ in 0..<counts[0] {
            message.questions.append(DNSQuestion(name: try reader.name(), type: try reader.uint16(), recordClass: try reader.uint16()))
        }
        message.answers = try (0..<counts[1]).map { _ in try reader.record() }
        message.authority = try (0..<counts[2]).map { _ in try reader.record() }
        for _ in 0..<counts[3] {
            message.lastAdditionalOffset = reader.offset
            message.additional.append(try reader.record())
        }
        return message
    }
}

/// Reads big-endian integers, names and records from a message, never past its end.
struct WireReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else { throw DNSUpdateError.malformed("it ends in the middle of a field") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func uint8() throws -> UInt8 { try take(1).first! }
    mutating func uint16() throws -> UInt16 { try take(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func uint32() throws -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func uint48() throws -> UInt64 { try take(6).reduce(0) { $0 << 8 | UInt64($1) } }

    /// A name, following compression pointers; a pointer must point before the one that names
    /// it, so a hostile message cannot make the reader loop.
    mutating func name() throws -> DNSName {
        var labels: [String] = []
        var position = offset
        var jumped = false
        var length = 1
        while true {
            guard position < bytes.count else { throw DNSUpdateError.malformed("a name runs past the end") }
            let byte = bytes[position]
            if byte & 0xC0 == 0xC0 {
                guard position + 1 < bytes.count else { throw DNSUpdateError.malformed("a compression pointer is cut off") }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < position else { throw DNSUpdateError.malformed("a compression pointer points forward") }
                if !jumped { offset = position + 2 }
                jumped = true
                position = target
                continue
            }
            guard byte & 0xC0 == 0 else { throw DNSUpdateError.malformed("a label has an unknown type") }
            if byte == 0 {
                if !jumped { offset = position + 1 }
                return DNSName(validLabels: labels)
            }
            let end = position + 1 + Int(byte)
            guard end <= bytes.count else { throw DNSUpdateError.malformed("a label runs past the end") }
            length += 1 + Int(byte)
            guard length <= 255 else { throw DNSUpdateError.malformed("a name is longer than 255 bytes") }
            labels.append(String(decoding: bytes[(position + 1)..<end], as: UTF8.self))
            position = end
        }
    }

    mutating func record() throws -> DNSRecord {
        let name = try name()
        let type = try uint16()
        let recordClass = try uint16()
        let ttl = try uint32()
        let length = Int(try uint16())
        return DNSRecord(name: name, type: type, recordClass: recordClass, ttl: ttl, data: Array(try take(length)))
    }
}

extension [UInt8] {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    mutating func appendUInt48(_ value: UInt64) {
        for shift in stride(from: 40, through: 0, by: -8) { append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }
}
