import ArgumentParser
import Foundation
import SlipwayClient

/// `slipway`: every subcommand but `server` is a client of the server's HTTP API.
/// The subcommand list is extended in one place: `extraSubcommands`, declared by
/// ServerCommand.swift in the main package (adding `server`) and by a stub in dev harnesses.
@main
struct Slipway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slipway",
        abstract: "Turn an app's source into a running, reachable service.",
        discussion: """
        Client commands talk to the server at --server, else $SLIPWAY_SERVER, else ~/.slipway/config's `server:`, \
        else \(SlipwayClient.Configuration.defaultServer). The API token is $SLIPWAY_TOKEN, else ~/.slipway/config's `token:`, \
        else (for a server on loopback) a readable ~/.slipway/admin.token or /var/lib/slipway/admin.token made by the server.
        """,
        subcommands: [Deploy.self, Status.self, Cancel.self, Apps.self, Info.self, Ps.self, Releases.self, Rollback.self, Config.self, Scale.self, Run.self, Cron.self, Logs.self, Events.self, Domains.self, Maintenance.self, Addons.self, Backups.self, Destroy.self, Certs.self, Notify.self, Secrets.self, Git.self, Previews.self, Keys.self] + extraSubcommands
    )

    /// ArgumentParser's own `main`, except that failures while running print `error: MESSAGE` and exit 1.
    /// Usage errors, `--help` and `--version` keep ArgumentParser's output and exit codes.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // ArgumentParser's own outcomes (--help, usage errors, explicit exit codes) keep its
            // output; any other failure is a runtime error.
            if error is ExitCode || exitCode(for: error) != .failure {
                exit(withError: error)
            }
            Output.error("error: \(Output.message(for: error))")
            Foundation.exit(1)
        }
    }
}
