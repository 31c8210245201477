import Foundation
import SlipwayCore

extension Reports {
    /// `slipway backups APP`: one row per backup (newest first), then the schedules.
    public static func backups(_ list: BackupList) -> String {
        var out: [String] = []
        if list.backups.isEmpty {
            out.append("\(list.app) has no backups; make one with `slipway backups create \(list.app) NAME`")
        } else {
            var table = TextTable(header: ["ID", "ADDON", "TIME", "SIZE", "SHA256", "DURATION", "VERIFIED"])
            for backup in list.backups {
                table.rows.append([backup.id, backup.addon, Format.dateTime(backup.createdAt, timeZone: .current), Format.bytes(backup.sizeBytes),
                                   String(backup.sha256.prefix(16)), String(format: "%.1fs", backup.durationSeconds),
                                   backup.verification.map { "\($0.status): \($0.message)" } ?? "-"])
            }
            out.append(table.render())
        }
        for schedule in list.schedules {
            out.append("schedule \(schedule.addon): \"\(schedule.schedule)\", keep \(schedule.keep) verified"
                + (schedule.nextRun.map { ", next \(Format.dateTime($0, timeZone: .current))" } ?? ""))
        }
        return out.joined(separator: "\n")
    }

    /// One finished backup, as `backups create` prints it.
    public static func backup(_ backup: BackupView) -> String {
        [
            "backup \(backup.id) of \(backup.app)/\(backup.addon): \(Format.bytes(backup.sizeBytes)) in \(String(format: "%.1f", backup.durationSeconds)) s",
            "  sha256:   \(backup.sha256)",
            "  verified: " + (backup.verification.map { "\($0.status): \($0.message)" } ?? "not yet"),
        ].joined(separator: "\n")
    }
}
