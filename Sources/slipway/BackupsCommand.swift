import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

/// `slipway backups APP [--addon NAME]`, `backups create APP NAME`,
/// `backups restore APP NAME ID --confirm APP/NAME`, `backups schedule APP NAME --schedule CRON --keep N | --off`.
struct Backups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up, list, restore and schedule backups of an app's add-ons.",
        discussion: """
        A backup is pg_dump's custom format (Postgres) or an RDB snapshot (Redis), made in a throwaway \
        container on the app's network and streamed to the server's backup store (--backup-store: a \
        directory, or S3). Each backup is then restored into a throwaway container and checked; the \
        result is recorded with it.
        """,
        subcommands: [List.self, Create.self, Restore.self, Schedule.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The app's backups: id, time, size, checksum, duration, verification (the default).")
        @OptionGroup var target: AppArgument
        @Option(help: "Only this add-on's backups.") var addon: String?
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let app = try target.name
            let list = try await global.withClient { try await $0.backups(app: app, addon: addon) }
            if global.json { try Output.json(list) } else { Output.line(Reports.backups(list)) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up an add-on now, then verify the backup.",
            discussion: "Example: slipway backups create shop db")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The add-on's name.", valueName: "name")) var addon: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let app = try target.name
            let live = !global.json
            let finished: BackupView = try await global.withClient { client in
                if live { Output.line("Backing up \(app)/\(addon)...") }
                var result: BackupView?
                for try await line in try await client.createBackup(app: app, addon: addon) {
                    if let error = line.error { throw SlipwayError(code: "backup_failed", message: error, httpStatus: 502) }
                    if let backup = line.backup { result = backup }
                    guard live else { continue }
                    switch line.stage {
                    case "dump": if let bytes = line.bytes { Output.line("  dumped \(Format.bytes(bytes))") }
                    case "store": Output.line("  storing")
                    case "verify": Output.line("  verifying (restore into a throwaway container)")
                    default: break
                    }
                }
                guard let result else { throw SlipwayError(code: "backup_failed", message: "the server ended the backup without a result", httpStatus: 502) }
                return result
            }
            if global.json { try Output.json(finished) } else { Output.line(Reports.backup(finished)) }
            if finished.verification?.status != "verified" { throw ExitCode.failure }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace an add-on's data with a backup (its checksum is checked first).",
            discussion: """
            Example: slipway backups restore shop db 20261207-031500-123-3fa9 --confirm shop/db
            With --into NEW_NAME the backup goes into a new add-on of the same type beside the original (which is \
            not touched); the app then gets NEW_NAME_URL in a new release.
            """)
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The add-on's name.", valueName: "name")) var addon: String
        @Argument(help: ArgumentHelp("The backup's id (`slipway backups APP` lists them).", valueName: "id")) var id: String
        @Option(help: ArgumentHelp("APP/NAME again, to confirm.", valueName: "app/name")) var confirm: String?
        @Option(help: ArgumentHelp("Restore into a new add-on of this name beside the original instead.", valueName: "new-name")) var into: String?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard into != nil || confirm == "\(target.app)/\(addon)" else {
                throw ValidationError("restoring replaces the data of \(target.app)/\(addon); confirm with --confirm \(target.app)/\(addon) (or restore --into NEW_NAME beside it)")
            }
        }

        func run() async throws {
            let app = try target.name
            let live = !global.json
            if live { Output.line("Restoring \(id) into \(app)/\(into ?? addon)...") }
            let (result, failed) = try await global.withClient { client in
                let result = try await client.restoreBackup(app: app, addon: addon, id: id, BackupRestoreRequest(confirm: confirm, into: into))
                if live { Output.line(result.message) }
                guard let trace = result.traceId else { return (result, false) }
                // --into: the release that gives the app the new add-on's URL.
                let view = try await DeployFollower(client: client, traceId: trace, live: live, terminal: live && Output.stdoutIsTerminal,
                                                    verbose: false).follow()
                if live { try await DeployOutcome.report(view, client: client, json: false) }
                return (result, view.status != .completed)
            }
            if global.json { try Output.json(result) }
            if failed { throw ExitCode.failure }
        }
    }

    struct Schedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up an add-on on a schedule, keeping the newest N verified backups.",
            discussion: "Example: slipway backups schedule shop db --schedule \"0 3 * * *\" --keep 7   (--off removes the schedule)")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The add-on's name.", valueName: "name")) var addon: String
        @Option(help: "5-field cron expression or @daily-style name, in the server's time zone.") var schedule: String?
        @Option(help: "Verified backups to keep (older ones are deleted).") var keep = 7
        @Flag(help: "Remove the add-on's schedule.") var off = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if off == (schedule != nil) { throw ValidationError("give --schedule CRON (with --keep N), or --off") }
        }

        func run() async throws {
            let app = try target.name
            let view = try await global.withClient { client in
                if let schedule { return try await client.setBackupSchedule(app: app, addon: addon, BackupScheduleRequest(schedule: schedule, keep: keep)) }
                return try await client.removeBackupSchedule(app: app, addon: addon)
            }
            if global.json { try Output.json(view); return }
            if off {
                Output.line("backups of \(app)/\(addon) are no longer scheduled")
            } else {
                Output.line("backups of \(app)/\(addon) scheduled \"\(view.schedule)\", keeping \(view.keep) verified"
                    + (view.nextRun.map { "; next \(Format.dateTime($0, timeZone: .current))" } ?? ""))
            }
        }
    }
}
