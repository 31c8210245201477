import ArgumentParser
import SlipwayClient
import SlipwayCore

/// `slipway addons APP`, `addons create APP TYPE [--name N] [--version V]`, `addons info APP NAME`,
/// `addons destroy APP NAME --confirm APP/NAME [--volumes]`.
struct Addons: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, create, show or destroy an app's add-ons (Postgres, Redis).",
        discussion: """
        An add-on runs beside the app's replicas on the app's private network, with a data volume and \
        credentials the server makes; the app gets its URL as secret config (DATABASE_URL or REDIS_URL, \
        and NAME_URL with --name), rolled out like any config change.
        """,
        subcommands: [List.self, Create.self, Info.self, Connect.self, Destroy.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The app's add-ons (the default).")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.addons(app: name) }
            if global.json { try Output.json(list) } else { Output.line(Reports.addons(list)) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a Postgres or Redis for the app and give the app its URL.",
            discussion: "Example: slipway addons create shop postgres --name db   (the app gets DATABASE_URL and DB_URL)")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("postgres or redis.", valueName: "type")) var type: String
        @Option(help: "The add-on's name in the app (default: the type); also names its config key, e.g. db -> DB_URL.")
        var name: String?
        @Option(help: "Major version (postgres: 13-17, default 15; redis: 6 or 7, default 7).") var version: String?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            do { _ = try AddonRequest(type: type, name: name, version: version).validated() } catch {
                throw ValidationError(Output.message(for: error))
            }
        }

        func run() async throws {
            let app = try target.name
            let live = !global.json
            let (created, view) = try await global.withClient { client in
                if live { Output.line("Starting \(type) for \(app)...") }
                let created = try await client.createAddon(app: app, AddonRequest(type: type, name: name, version: version))
                if live {
                    Output.line("\(created.addon.type) \(created.addon.version) add-on \(created.addon.name) is \(created.addon.state); "
                        + "setting \(created.addon.configKeys.joined(separator: ", ")) on \(app) (trace \(created.traceId))")
                }
                let follower = DeployFollower(client: client, traceId: created.traceId, live: live,
                                              terminal: live && Output.stdoutIsTerminal, verbose: false)
                let view = try await follower.follow()
                if live { try await DeployOutcome.report(view, client: client, json: false) }
                return (created, view)
            }
            if global.json { try Output.json(created) }
            if view.status != .completed { throw ExitCode.failure }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One add-on: type, version, state, volume, size, connection (password hidden).")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The add-on's name.", valueName: "name")) var addon: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let app = try target.name
            let view = try await global.withClient { try await $0.addon(app: app, name: addon) }
            if global.json { try Output.json(view) } else { Output.line(Reports.addon(view)) }
        }
    }

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open the add-on's client (psql, redis-cli) with your terminal attached.",
            discussion: "A one-off container from the add-on's image on the app's network. Standard input may be a pipe: echo 'SELECT 1;' | slipway addons connect shop db")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The add-on's name.", valueName: "name")) var addon: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let app = try target.name
            let tty = InteractiveTerminal.stdinIsTerminal
            let code = try await Run.interactive(global, app: app, InteractiveRequest(addon: addon, tty: tty))
            if code != 0 { throw ExitCode(Int32(truncatingIfNeeded: code)) }
        }
    }

    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and remove an add-on; its data volume is kept unless --volumes.",
            discussion: "Its config keys are unset on the app (a new release). Example: slipway addons destroy shop db --confirm shop/db")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The add-on's name.", valueName: "name")) var addon: String
        @Option(help: ArgumentHelp("APP/NAME again, to confirm.", valueName: "app/name")) var confirm: String?
        @Flag(help: "Also remove the add-on's data volume and the data in it.") var volumes = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard confirm == "\(target.app)/\(addon)" else {
                throw ValidationError("destroying an add-on stops it for the app; confirm with --confirm \(target.app)/\(addon)")
            }
        }

        func run() async throws {
            let app = try target.name
            let result = try await global.withClient { try await $0.destroyAddon(app: app, name: addon, volumes: volumes) }
            if global.json { try Output.json(result); return }
            Output.line("add-on \(result.name) of \(app) destroyed")
            for volume in result.volumesRemoved { Output.line("  volume \(volume) removed") }
            for volume in result.volumesKept { Output.line("  volume \(volume) kept (its data stays; --volumes removes it)") }
            if let trace = result.traceId { Output.line("  its config keys are being unset (trace \(trace))") }
        }
    }
}
