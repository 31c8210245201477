import Foundation

/// RFC 3339 UTC timestamps with milliseconds, the one format the API and the CLI use.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text) {
            return date
        }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(string(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 timestamp: \(text)")
            }
            return date
        }
        return decoder
    }
}

/// `--since` / `?since=`: a duration back from now (`10m`, `1h30m`, `1d`) or an RFC 3339 time.
public enum SinceTime {
    public static func parse(_ text: String, now: Date = Date()) throws -> Date {
        if let seconds = DurationText.seconds(text) { return now.addingTimeInterval(-seconds) }
        if let date = Timestamp.parse(text) { return date }
        throw SlipwayError.invalidRequest("since \"\(text)\" is neither a duration (10m, 2h, 1d) nor an RFC 3339 time (2026-01-02T03:04:05Z)")
    }
}
