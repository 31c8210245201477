/// DNS record types and classes this client writes or reads.
public enum DNSType {
    public static let a: UInt16 = 1
    public static let ns: UInt16 = 2
    public static let soa: UInt16 = 6
    public static let txt: UInt16 = 16
    public static let tsig: UInt16 = 250
}

public enum DNSClass {
    public static let `in`: UInt16 = 1
    /// RFC 2136 2.4: "delete this exact record" in an update section.
    public static let none: UInt16 = 254
    /// RFC 2136 2.4: "delete the whole set"; also TSIG's class.
    public static let any: UInt16 = 255
}

/// A question, or in an UPDATE message the zone being updated (RFC 2136 2.3).
public struct DNSQuestion: Sendable, Hashable {
    public var name: DNSName
    public var type: UInt16
    public var recordClass: UInt16

    public init(name: DNSName, type: UInt16, recordClass: UInt16 = DNSClass.in) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }
}

/// A resource record with its data as bytes (names inside the data of records this client reads
/// are not interpreted, so compression there does not matter).
public struct DNSRecord: Sendable, Hashable {
    public var name: DNSName
    public var type: UInt16
    public var recordClass: UInt16
    public var ttl: UInt32
    public var data: [UInt8]

    public init(name: DNSName, type: UInt16, recordClass: UInt16 = DNSClass.in, ttl: UInt32, data: [UInt8]) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    /// A TXT record holding `value`, split into character-strings of at most 255 bytes (RFC 1035 3.3.14).
    public static func txt(name: DNSName, value: String, ttl: UInt32, recordClass: UInt16 = DNSClass.in) -> DNSRecord {
        DNSRecord(name: name, type: DNSType.txt, recordClass: recordClass, ttl: ttl, data: txtData(value))
    }

    static func txtData(_ value: String) -> [UInt8] {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { return [0] }
        var data: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + 255, bytes.count)
            data.append(UInt8(end - start))
            data.append(contentsOf: bytes[start..<end])
            start = end
        }
        return data
    }

    /// A TXT record's character-strings joined into one value; nil when it is not TXT or is malformed.
    public var txtValue: String? {
        guard type == DNSType.txt else { return nil }
        var value: [UInt8] = []
        var index = 0
        while index < data.count {
            let length = Int(data[index])
            guard index + 1 + length <= data.count else { return nil }
            value.append(contentsOf: data[(index + 1)..<(index + 1 + length)])
            index += 1 + length
        }
        return String(decoding: value, as: UTF8.self)
    }
}
