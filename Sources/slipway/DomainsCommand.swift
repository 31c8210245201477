import ArgumentParser
import SlipwayClient
import SlipwayCore

/// `slipway domains APP`, `domains add APP HOST [--service S]`, `domains remove APP HOST`.
struct Domains: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, add or remove an app's custom domains.",
        discussion: """
        A host belongs to one app. `*.shop.example.com` routes every name below shop.example.com (an exact host, \
        or a longer wildcard, wins). Point the name's DNS at this machine; changes apply at once, without a release.
        """,
        subcommands: [List.self, Add.self, Remove.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The app's custom domains (the default).")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.domains(app: name) }
            if global.json { try Output.json(list) } else { Output.line(Reports.domains(list)) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Route HOST (or *.HOST) to the app.")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The host name, e.g. shop.example.com or *.shop.example.com.", valueName: "host"))
        var host: String
        @Option(help: "The service it goes to (default: the app's default service).") var service: String?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            do { _ = try DomainName(host) } catch { throw ValidationError(Output.message(for: error)) }
            if let service { do { _ = try DNSLabel(service, kind: "service name") } catch { throw ValidationError(Output.message(for: error)) } }
        }

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.addDomain(app: name, host: host, service: service) }
            if global.json { try Output.json(list); return }
            let url = list.domains.first { $0.host == host.lowercased() }?.url ?? host
            Output.line("\(name) is routed at \(url)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop routing HOST to the app.")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("The host name as added.", valueName: "host")) var host: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.removeDomain(app: name, host: host) }
            if global.json { try Output.json(list) } else { Output.line("\(host) no longer routes to \(name)") }
        }
    }
}
