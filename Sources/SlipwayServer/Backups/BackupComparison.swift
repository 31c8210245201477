import BackupStore
import Foundation
import SlipwayCore

/// Whether a verification restore holds what the source held when it was dumped: every table's
/// rows (Postgres; the source counted in the dump's own snapshot, so they must be equal) or the
/// key count (Redis; counted right before and right after the dump, so it must lie between).
enum BackupComparison {
    /// What the dump reported on standard error, as the record keeps it.
    static func source(_ output: BackupSourceOutput) -> BackupSourceCounts {
        BackupSourceCounts(tables: output.tableRows, keys: output.keys, keysAfter: output.keysAfter)
    }

    /// The verification's outcome for a restore that exited 0 and printed `check`.
    static func judge(_ check: BackupCheckOutput, kind: AddonKind, source: BackupSourceCounts?, at: Date = Date()) -> BackupVerification {
        func failed(_ message: String) -> BackupVerification {
            BackupVerification(verified: false, at: at, message: message, tables: check.tables, rows: check.rows, keys: check.keys)
        }
        switch kind {
        case .redis:
            guard let keys = check.keys else { return failed("the verification printed no key count") }
            guard let before = source?.keys else {
                return failed("the scratch redis loaded \(keys) keys, but the dump did not report the source's key count to compare with")
            }
            let after = source?.keysAfter ?? before
            guard (min(before, after)...max(before, after)).contains(keys) else {
                return failed("the scratch redis loaded \(keys) keys; the source had \(before == after ? "\(before) at dump time" : "\(before) right before the dump and \(after) right after")")
            }
            let message = before == after ? "loaded by a scratch redis: \(keys) keys, as many as the source had at dump time"
                : "loaded by a scratch redis: \(keys) keys (the source had \(before) right before the dump and \(after) right after: it changed meanwhile)"
            return BackupVerification(verified: true, at: at, message: message, keys: keys)
        case .postgres:
            guard let tables = check.tables, let rows = check.rows else { return failed("the verification printed no table counts") }
            guard check.listed == tables else { return failed("the archive lists \(check.listed ?? 0) tables, \(tables) were restored") }
            guard let restored = check.tableRows else { return failed("the verification printed no row counts per table") }
            guard let expected = source?.tables else {
                return failed("restored \(tables) tables, \(rows) rows, but the dump did not report the source's row counts to compare with")
            }
            let differences = Self.differences(expected: expected, restored: restored)
            guard differences.isEmpty else {
                let shown = differences.prefix(5).joined(separator: "; ") + (differences.count > 5 ? "; and \(differences.count - 5) more" : "")
                return failed("the restore differs from the source at dump time: \(shown)")
            }
            return BackupVerification(verified: true, at: at,
                                      message: "restored into a scratch database: \(tables) tables, \(rows) rows; each table's rows equal the source's in the dump's snapshot",
                                      tables: tables, rows: rows)
        }
    }

    /// Each table whose rows differ, said for a person, in name order.
    static func differences(expected: [String: Int64], restored: [String: Int64]) -> [String] {
        Set(expected.keys).union(restored.keys).sorted().compactMap { table in
            switch (expected[table], restored[table]) {
            case (let source?, let copy?) where source != copy: "\(table) has \(rows(copy)) restored, \(source) in the source"
            case (let source?, nil): "\(table) is missing from the restore (\(rows(source)) in the source)"
            case (nil, let copy?): "\(table) was restored (\(rows(copy))) but is not in the source"
            default: nil
            }
        }
    }

    private static func rows(_ count: Int64) -> String { count == 1 ? "1 row" : "\(count) rows" }
}
