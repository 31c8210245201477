import Foundation
import SlipwayCore

extension Reports {
    /// `slipway keys`: one line per key.
    public static func sshKeys(_ list: SSHKeyList, timeZone: TimeZone = .current) -> String {
        guard !list.keys.isEmpty else {
            return "no keys yet: `slipway keys add ~/.ssh/id_ed25519.pub` lets that key `git push` over SSH"
        }
        var table = TextTable(header: ["NAME", "FINGERPRINT", "TYPE", "ADDED"])
        for key in list.keys {
            table.rows.append([key.name, key.fingerprint, key.type, Format.dateTime(key.addedAt, timeZone: timeZone)])
        }
        return table.render()
    }
}
