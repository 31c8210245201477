import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

/// `slipway notify [--app APP]`, `notify add [APP] URL [--events ...] [--format json|slack]`,
/// `notify remove ID`, `notify log [--app APP]`.
struct Notify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post events (deploys, crash loops, certificate failures) to a URL: list, add, remove, delivery log.",
        discussion: """
        Each event is one POST, signed: X-Slipway-Signature: sha256=HEX is the HMAC-SHA256 of the body under the \
        target's secret (shown once, by `notify add`). A receiver that fails is tried again with exponential backoff \
        for an hour; `notify log` shows every delivery. --format slack posts {"text": ...}, which Slack's incoming \
        webhooks, Mattermost and Discord's /slack endpoints take.
        """,
        subcommands: [List.self, Add.self, Remove.self, Log.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The notification targets (the default).")
        @Option(help: "Only the targets that get this app's events.") var app: String?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let app { do { _ = try DNSLabel(app) } catch { throw ValidationError(Output.message(for: error)) } }
        }

        func run() async throws {
            let list = try await global.withClient { try await $0.notificationTargets(app: app) }
            if global.json { try Output.json(list) } else { Output.line(Reports.notificationTargets(list)) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Post events of APP (or of every app) to URL.")
        @Argument(help: ArgumentHelp("[APP] URL: the app whose events are sent (leave it out for every app), then the http(s) URL.", valueName: "app-and-url"))
        var words: [String]
        @Option(help: ArgumentHelp("Comma-separated: \(NotificationEvent.allCases.map(\.rawValue).joined(separator: ",")) (default: all).", valueName: "events"))
        var events: String?
        @Option(help: "json (Slipway's own) or slack (also Mattermost and Discord's Slack-compatible endpoints).") var format: String?
        @OptionGroup var global: GlobalOptions

        var appAndURL: (String?, String) {
            get throws {
                switch words.count {
                case 1: return (nil, words[0])
                case 2: return (words[0], words[1])
                default: throw ValidationError("give the URL, or the app and the URL: `slipway notify add [APP] URL`")
                }
            }
        }

        func validate() throws {
            let (app, url) = try appAndURL
            if let app { do { _ = try DNSLabel(app) } catch { throw ValidationError(Output.message(for: error)) } }
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw ValidationError("the URL must start with http:// or https:// (got \(url.prefix(100)))")
            }
            if let format, NotificationFormat(rawValue: format) == nil { throw ValidationError("--format is json or slack (got \(format))") }
            for name in eventNames ?? [] where NotificationEvent(rawValue: name) == nil {
                throw ValidationError("unknown event \(name); the events are \(NotificationEvent.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        var eventNames: [String]? {
            events.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }

        func run() async throws {
            let (app, url) = try appAndURL
            let request = NotificationAddRequest(app: app, url: url, events: eventNames, format: format)
            let created = try await global.withClient { try await $0.addNotificationTarget(request) }
            if global.json { try Output.json(created) } else { Output.line(Reports.notificationTargetAdded(created)) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop posting to a target (its delivery history goes too).")
        @Argument(help: ArgumentHelp("The target's id, as `slipway notify` lists it.", valueName: "id")) var id: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let removed = try await global.withClient { try await $0.removeNotificationTarget(id: id) }
            if global.json { try Output.json(removed) } else { Output.line("removed notification target \(removed.id)") }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliveries, newest first: event, target, state, attempts, last answer, next try.")
        @Option(help: "Only this app's events.") var app: String?
        @Option(help: "How many (1-1000).") var limit: Int?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let app { do { _ = try DNSLabel(app) } catch { throw ValidationError(Output.message(for: error)) } }
            if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit is a number from 1 to 1000") }
        }

        func run() async throws {
            let log = try await global.withClient { try await $0.notificationLog(app: app, limit: limit) }
            if global.json { try Output.json(log) } else { Output.line(Reports.notificationLog(log)) }
        }
    }
}
