import Foundation
import SlipwayCore

extension Reports {
    /// `slipway addons APP`: one row per add-on.
    public static func addons(_ list: AddonList) -> String {
        guard !list.addons.isEmpty else {
            return "\(list.app) has no add-ons; create one with `slipway addons create \(list.app) postgres` (or redis)"
        }
        var table = TextTable(header: ["NAME", "TYPE", "VERSION", "STATE", "VOLUME", "SIZE", "CONFIG"])
        for addon in list.addons {
            table.rows.append([addon.name, addon.type, addon.version, addon.state, addon.volume ?? "-",
                               addon.sizeBytes.map(Format.bytes) ?? "-", addon.configKeys.joined(separator: ", ")])
        }
        return table.render()
    }

    /// `slipway addons info APP NAME`: the connection string with its password hidden.
    public static func addon(_ addon: AddonView) -> String {
        [
            "\(addon.app)/\(addon.name): \(addon.type) \(addon.version) (\(addon.image))",
            "  state:      \(addon.state)",
            "  volume:     \(addon.volume ?? "-")" + (addon.sizeBytes.map { " (\(Format.bytes($0)))" } ?? ""),
            "  config:     \(addon.configKeys.joined(separator: ", "))",
            "  connection: \(addon.connection)",
            "  created:    \(Format.dateTime(addon.createdAt, timeZone: .current))",
        ].joined(separator: "\n")
    }
}
