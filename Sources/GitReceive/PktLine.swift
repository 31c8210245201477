/// git's pkt-line framing (gitprotocol-common): four hex digits giving the length of the line
/// including themselves, then the line; `0000` is a flush, `0001` a delimiter.
public enum PktLine: Sendable, Equatable {
    case data([UInt8])
    case flush
    case delimiter

    /// The largest pkt-line git accepts (65520 bytes with the length).
    public static let maxDataLength = 65516

    public static func encode(_ text: String) -> [UInt8] { encode(Array(text.utf8)) }

    /// Data longer than a pkt-line can hold is cut to fit (reasons and progress lines are text).
    public static func encode(_ data: [UInt8]) -> [UInt8] {
        let body = data.prefix(maxDataLength)
        return Array(hex4(body.count + 4).utf8) + body
    }

    public static let flushBytes: [UInt8] = Array("0000".utf8)

    static func hex4(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The line as text without its trailing newline (git ends most lines with one).
    public var text: String? {
        guard case .data(let bytes) = self else { return nil }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// Reads pkt-lines from bytes that arrive in pieces.
public struct PktLineDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    public mutating func append(_ bytes: [UInt8]) { pending += bytes }

    /// The next whole line, nil until one has arrived. Throws on bytes that are not pkt-lines.
    public mutating func next() throws -> PktLine? {
        guard pending.count >= 4 else { return nil }
        guard let length = Int(String(decoding: pending[0..<4], as: UTF8.self), radix: 16) else {
            throw PktLineError("not a pkt-line length: \(String(decoding: pending[0..<4], as: UTF8.self).debugDescription)")
        }
        switch length {
        case 0:
            pending.removeFirst(4)
            return .flush
        case 1:
            pending.removeFirst(4)
            return .delimiter
        case 2, 3:
            throw PktLineError("unexpected special pkt-line \(length)")
        default:
            guard length <= PktLine.maxDataLength + 4 else { throw PktLineError("pkt-line of \(length) bytes is too long") }
            guard pending.count >= length else { return nil }
            let data = Array(pending[4..<length])
            pending.removeFirst(length)
            return .data(data)
        }
    }
}

public struct PktLineError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
