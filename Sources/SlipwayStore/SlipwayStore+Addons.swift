import Foundation
import GRDB
import SlipwayCore
import SlipwaySecrets

/// The add-ons of each app (`slipway addons`): what the engine must run, with the password the
/// server made, sealed like secret config values. They go with the app.
extension SlipwayStore {
    static func registerAddonMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-addons") { db in
            try db.create(table: "addon") { t in
                t.column("app", .text).notNull()
                t.column("name", .text).notNull()
                // The spec as JSON, its password sealed.
                t.column("body", .jsonText).notNull()
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["app", "name"])
            }
        }
    }

    /// Records a new add-on; false if the app has one of that name already (nothing changed).
    public func insertAddon(_ addon: AddonSpec) throws -> Bool {
        try writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM addon WHERE app = ? AND name = ?",
                                 arguments: [addon.app.value, addon.name.value]) == true {
                return false
            }
            try db.execute(sql: "INSERT INTO addon (app, name, body, createdAt) VALUES (?, ?, ?, ?)",
                           arguments: [addon.app.value, addon.name.value, try sealAddon(addon), addon.createdAt])
            return true
        }
    }

    /// Whether the add-on was recorded (and is gone now).
    public func deleteAddon(app: AppName, name: DNSLabel) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM addon WHERE app = ? AND name = ?", arguments: [app.value, name.value])
            let deleted = db.changesCount > 0
            try db.execute(sql: "DELETE FROM backup_schedule WHERE app = ? AND addon = ?", arguments: [app.value, name.value])
            return deleted
        }
    }

    /// The app's add-ons, or every app's when `app` is nil, by app and name.
    public func addons(of app: AppName? = nil) throws -> [AddonSpec] {
        let bodies = try writer.read { db in
            try app.map { try String.fetchAll(db, sql: "SELECT body FROM addon WHERE app = ? ORDER BY name", arguments: [$0.value]) }
                ?? String.fetchAll(db, sql: "SELECT body FROM addon ORDER BY app, name")
        }
        return try bodies.map(openAddon)
    }

    public func addon(app: AppName, name: DNSLabel) throws -> AddonSpec? {
        try addons(of: app).first { $0.name == name }
    }

    /// Called by `deleteApp`, in its transaction.
    static func deleteAddons(of app: AppName, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM addon WHERE app = ?", arguments: [app.value])
        try db.execute(sql: "DELETE FROM backup_schedule WHERE app = ?", arguments: [app.value])
    }

    /// Re-seals every add-on's password (inside a key rotation's transaction).
    func resealAddonPasswords(_ db: Database) throws -> Int {
        let bodies = try String.fetchAll(db, sql: "SELECT body FROM addon")
        for body in bodies {
            let addon = try openAddon(body)
            try db.execute(sql: "UPDATE addon SET body = ? WHERE app = ? AND name = ?",
                           arguments: [try sealAddon(addon), addon.app.value, addon.name.value])
        }
        return bodies.count
    }

    private func sealAddon(_ addon: AddonSpec) throws -> String {
        var sealed = addon
        sealed.password = try secrets.seal(addon.password, context: Self.addonContext(addon))
        return try Self.encodeJSON(sealed)
    }

    private func openAddon(_ body: String) throws -> AddonSpec {
        var addon = try Self.decodeJSON(AddonSpec.self, body)
        do {
            addon.password = try secrets.open(addon.password, context: Self.addonContext(addon))
        } catch {
            throw SlipwayError.internal("the password of add-on \(addon.name) of \(addon.app) cannot be opened: \(error)")
        }
        return addon
    }

    private static func addonContext(_ addon: AddonSpec) -> String { "\(addon.app)/addon/\(addon.name)" }
}
