import Foundation

/// The source's counts a backup tool prints on standard error when its dump is complete:
/// `slipway-source-counts tables={"public.t" : 2}` (Postgres, counted in the dump's snapshot) or
/// `slipway-source-counts keys=N keys-after=N` (Redis, right before and right after the dump).
public struct BackupSourceOutput: Sendable, Equatable {
    public static let marker = "slipway-source-counts"
    public var tableRows: [String: Int64]?
    public var keys: Int64?
    public var keysAfter: Int64?

    /// The last marker line of `output`; nil when there is none or it does not read.
    public init?(_ output: String) {
        guard let line = output.split(whereSeparator: \.isNewline).last(where: { $0.hasPrefix(Self.marker + " ") }) else { return nil }
        let rest = line.dropFirst(Self.marker.count + 1)
        if rest.hasPrefix("tables=") {
            guard let rows = BackupCheckOutput.tableRows(rest.dropFirst("tables=".count)) else { return nil }
            tableRows = rows
        } else {
            let values = BackupCheckOutput.pairs(rest)
            guard let keys = values["keys"] else { return nil }
            self.keys = keys
            keysAfter = values["keys-after"]
        }
    }
}

/// What a verification restore printed: `slipway-restored-tables {"public.t" : 2}` (every
/// table's rows, Postgres), then on its last line `tables=N rows=N listed=N` or `keys=N`.
public struct BackupCheckOutput: Sendable, Equatable {
    public static let tablesMarker = "slipway-restored-tables"
    public var tables: Int?
    public var rows: Int64?
    public var listed: Int?
    public var keys: Int64?
    /// Rows per table as restored, by `schema.table`.
    public var tableRows: [String: Int64]?

    public init?(_ output: String) {
        let lines = output.split(whereSeparator: \.isNewline)
        guard let last = lines.last(where: { $0.contains("=") && !$0.hasPrefix(Self.tablesMarker) }) else { return nil }
        let values = Self.pairs(last[...])
        tables = values["tables"].map(Int.init)
        rows = values["rows"]
        listed = values["listed"].map(Int.init)
        keys = values["keys"]
        if let line = lines.last(where: { $0.hasPrefix(Self.tablesMarker + " ") }) {
            tableRows = Self.tableRows(line.dropFirst(Self.tablesMarker.count + 1))
        }
        guard tables != nil || keys != nil else { return nil }
    }

    /// `a=1 b=2` as numbers (a pair that is not a number is left out).
    static func pairs(_ line: Substring) -> [String: Int64] {
        var values: [String: Int64] = [:]
        for pair in line.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int64(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }

    /// A JSON object of table names to row counts, as psql prints `json_object_agg`.
    static func tableRows(_ json: Substring) -> [String: Int64]? {
        try? JSONDecoder().decode([String: Int64].self, from: Data(json.utf8))
    }
}
