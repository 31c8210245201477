import BackupStore
import Foundation
import SlipwayCore
@testable import SlipwayServer
import SlipwayTestSupport
import Testing

/// A verification compares the restore with the source at dump time: what the tools print is
/// read as they print it (real output of the scripts in SlipwayCore's AddonBackupCommands), a
/// difference fails the verification naming the table, and the API shows both sides.
@Suite("Backup verification against the source")
struct BackupVerificationTests {
    @Test("the tools' lines are read: source counts from the dump's stderr, restored counts from the verification's stdout")
    func parsing() throws {
        let dumpErrors = "pg_dump: warning: something\nslipway-source-counts tables={ \"public.\\\"odd name\\\"\" : 1, \"public.t\" : 5 }\n"
        let source = try #require(BackupSourceOutput(dumpErrors))
        #expect(source.tableRows == ["public.\"odd name\"": 1, "public.t": 5])
        let redis = try #require(BackupSourceOutput("SYNC sent to master\nTransfer finished\nslipway-source-counts keys=4 keys-after=5\n"))
        #expect(redis.keys == 4 && redis.keysAfter == 5 && redis.tableRows == nil)
        #expect(BackupSourceOutput("pg_dump: error: connection failed\n") == nil)
        #expect(BackupSourceOutput("slipway-source-counts tables={not json\n") == nil)

        let check = try #require(BackupCheckOutput("slipway-restored-tables { \"public.t\" : 5 }\ntables=1 rows=5 listed=1\n"))
        #expect(check.tables == 1 && check.rows == 5 && check.listed == 1 && check.tableRows == ["public.t": 5])
        #expect(BackupCheckOutput("keys=3\n")?.keys == 3)
        #expect(BackupCheckOutput("nothing useful\n") == nil)
    }

    @Test("postgres: equal rows per table verify; a missing row, a missing table or an extra table fail and say which")
    func postgres() throws {
        let restored = try #require(BackupCheckOutput("slipway-restored-tables {\"public.t\": 2, \"public.u\": 0}\ntables=2 rows=2 listed=2\n"))
        let same = BackupComparison.judge(restored, kind: .postgres, source: BackupSourceCounts(tables: ["public.t": 2, "public.u": 0]))
        #expect(same.verified && same.message.contains("2 tables, 2 rows") && same.message.contains("equal the source"), "\(same.message)")

        let fewer = BackupComparison.judge(restored, kind: .postgres, source: BackupSourceCounts(tables: ["public.t": 3, "public.u": 0]))
        #expect(!fewer.verified && fewer.message.contains("public.t has 2 rows restored, 3 in the source"), "\(fewer.message)")
        let missing = BackupComparison.judge(restored, kind: .postgres, source: BackupSourceCounts(tables: ["public.t": 2, "public.u": 0, "public.v": 1]))
        #expect(!missing.verified && missing.message.contains("public.v is missing from the restore (1 row in the source)"), "\(missing.message)")
        let extra = BackupComparison.judge(restored, kind: .postgres, source: BackupSourceCounts(tables: ["public.t": 2]))
        #expect(!extra.verified && extra.message.contains("public.u was restored (0 rows) but is not in the source"), "\(extra.message)")
        let unknown = BackupComparison.judge(restored, kind: .postgres, source: nil)
        #expect(!unknown.verified && unknown.message.contains("did not report the source's row counts"), "\(unknown.message)")
        let many = BackupComparison.judge(restored, kind: .postgres, source: BackupSourceCounts(tables: Dictionary(uniqueKeysWithValues: (1...9).map { ("s.t\($0)", Int64($0)) })))
        #expect(!many.verified && many.message.contains("and 6 more"), "\(many.message)")
    }

    @Test("redis: the keys must equal the source's, or lie between its counts before and after the dump when it changed meanwhile")
    func redis() throws {
        let restored = try #require(BackupCheckOutput("keys=5\n"))
        #expect(BackupComparison.judge(restored, kind: .redis, source: BackupSourceCounts(keys: 5, keysAfter: 5)).verified)
        let changed = BackupComparison.judge(restored, kind: .redis, source: BackupSourceCounts(keys: 4, keysAfter: 7))
        #expect(changed.verified && changed.message.contains("changed meanwhile"), "\(changed.message)")
        let lost = BackupComparison.judge(restored, kind: .redis, source: BackupSourceCounts(keys: 6, keysAfter: 6))
        #expect(!lost.verified && lost.message.contains("loaded 5 keys; the source had 6 at dump time"), "\(lost.message)")
        #expect(!BackupComparison.judge(restored, kind: .redis, source: nil).verified)
    }

    @Test("through the API: the source's counts are shown with the verification; a restore that lost rows fails it, a backup.failed event")
    func mismatchThroughAPI() async throws {
        try await InProcessServer.with { server in
            try await BackupAPITests.seed(server, "bkcount")
            let made = try #require(try await BackupAPITests.backup(server, "bkcount", "db").backup)
            #expect(made.verification?.status == "verified" && made.verification?.sourceRows == 1 && made.verification?.sourceTables == 1,
                    "\(String(describing: made.verification))")

            await server.engine.setCounts(source: ["public.t": 3, "public.u": 1], restored: ["public.t": 2, "public.u": 1])
            let short = try #require(try await BackupAPITests.backup(server, "bkcount", "db").backup)
            #expect(short.verification?.status == "failed" && short.verification?.sourceRows == 4 && short.verification?.rows == 3,
                    "\(String(describing: short.verification))")
            #expect(short.verification?.message.contains("public.t has 2 rows restored, 3 in the source") == true, "\(String(describing: short.verification))")
            let list = try await server.get("/v1/apps/bkcount/backups").decode(BackupList.self)
            #expect(list.backups.first { $0.id == short.id }?.verification?.status == "failed", "the listing shows the failed verification")
            try await server.eventually("the failed verification is an event") {
                try await server.get("/v1/apps/bkcount/events").decode(EventList.self).events.contains {
                    $0.kind == .backupFailed && $0.message.contains(short.id) && $0.message.contains("public.t has 2 rows restored")
                }
            }
        }
    }
}
