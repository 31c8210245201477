import ArgumentParser
import SlipwayClient
import SlipwayCore

/// `slipway maintenance on|off APP [--message TEXT] [--retry-after SECONDS]`, and `slipway maintenance APP` to show it.
struct Maintenance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put an app in maintenance mode (the router answers 503 with a page), or take it out.",
        discussion: "The replicas keep running; deploys still work. The mode survives server restarts.",
        subcommands: [Show.self, On.self, Off.self],
        defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Whether the app is in maintenance mode (the default).")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.maintenance(app: name) }
            if global.json { try Output.json(view) } else { Output.line(Reports.maintenance(view)) }
        }
    }

    struct On: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer every request for the app with 503 and a page.")
        @OptionGroup var target: AppArgument
        @Option(help: "Shown on the page (plain text, up to \(MaintenanceRequest.maxMessageLength) characters).") var message: String?
        @Option(help: ArgumentHelp("The page's Retry-After: how long clients and crawlers should wait before asking again (1 to 86400; default \(MaintenanceRequest.defaultRetryAfterSeconds)).",
                                   valueName: "seconds"))
        var retryAfter: Int?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            do {
                try MaintenanceRequest.validate(message: message)
                try MaintenanceRequest.validate(retryAfterSeconds: retryAfter)
            } catch {
                throw ValidationError(Output.message(for: error))
            }
        }

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.setMaintenance(app: name, message: message, retryAfterSeconds: retryAfter) }
            if global.json { try Output.json(view) } else { Output.line(Reports.maintenance(view)) }
        }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the app again.")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.clearMaintenance(app: name) }
            if global.json { try Output.json(view) } else { Output.line(Reports.maintenance(view)) }
        }
    }
}
