import Foundation
import SlipwayCore

extension Reports {
    /// `slipway keys`: one line per key.
    public static func sshKeys(_ list: SSHKeyList, timeZone: TimeZone = .current) -> String {
        guard !list.keys.isEmpty else {
            return "no keys yet: `slipway keys add ~/.ssh/id_ed25519.pub` lets that key `git push` over SSH"
        }
        var table = TextTable(header: ["NAME", "FINGERPRINT", "TYPE", "APPS", "ADDED"])
        for key in list.keys {
            table.rows.append([key.name, key.fingerprint, key.type, appsShown(key.apps), Format.dateTime(key.addedAt, timeZone: timeZone)])
        }
        return table.render()
    }

    /// What a key may push to: `all apps` (no `--app` given), else the apps named.
    public static func appsShown(_ apps: [String]?) -> String {
        guard let apps else { return "all apps" }
        return apps.joined(separator: ",")
    }
}
