import Foundation

/// Reads a `text/event-stream` line by line: `data:` lines accumulate until a blank line ends
/// the event; `id:` and comment lines (`: keep-alive`) are taken or skipped as the spec says.
public struct ServerSentEventParser: Sendable {
    public struct Event: Sendable, Equatable {
        public var id: String?
        public var data: String
    }

    private var data: [String] = []
    private var id: String?

    public init() {}

    /// Feeds one line (without its newline); returns an event when the line completes one.
    public mutating func feed(_ line: String) -> Event? {
        let line = line.hasSuffix("\r") ? String(line.dropLast()) : line
        if line.isEmpty {
            defer { data = []; id = nil }
            return data.isEmpty ? nil : Event(id: id, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let (field, value) = Self.split(line)
        switch field {
        case "data": data.append(value)
        case "id": id = value
        default: break
        }
        return nil
    }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}
