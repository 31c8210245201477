import Foundation
import GRDB

/// Databases made by earlier builds, whose "v1" migration created the `deploy` table before
/// it had the `change` and `requestedBy` columns (and with a `rollbackTo` column instead of
/// `change`). Adds what is missing, so upgrading Slipway keeps its state.
extension SlipwayStore {
    static func registerUpgradeMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1-deploy-columns") { db in
            let columns = Set(try db.columns(in: "deploy").map(\.name))
            if !columns.contains("requestedBy") {
                try db.alter(table: "deploy") { t in t.add(column: "requestedBy", .text) }
            }
            if !columns.contains("change") {
                try db.alter(table: "deploy") { t in t.add(column: "change", .jsonText) }
                if columns.contains("rollbackTo") {
                    // A rollback queued by the older build stays a rollback.
                    try db.execute(sql: "UPDATE deploy SET change = json_object('rollbackTo', rollbackTo) WHERE rollbackTo IS NOT NULL")
                }
            }
        }
    }
}
