import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or change an app's config vars (environment variables of every process).",
        discussion: "Every change makes a new release, without a build, rolled out like a deploy.",
        subcommands: [Show.self, Set.self, Unset.self, Files.self],
        defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the config vars as KEY=VALUE lines.")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.config(app: name) }
            if global.json { try Output.json(view); return }
            if view.config.isEmpty { Output.line("\(name) has no config vars; set some with `slipway config set \(name) KEY=VALUE`") }
            for key in view.config.keys.sorted() { Output.line("\(key)=\(view.config[key] ?? "")") }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set config vars: slipway config set APP KEY=VALUE...")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("KEY=VALUE pairs.", valueName: "KEY=VALUE")) var pairs: [String]
        @Flag(help: "Keep the values secret: encrypted at rest, shown as [redacted], masked in logs. Keys ending in _PASSWORD, _SECRET, _TOKEN or _KEY always are.")
        var secret = false
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            do { try ReleaseChange.validateConfig(set: try Self.parse(pairs), unset: []) } catch {
                throw ValidationError(Output.message(for: error))
            }
        }

        static func parse(_ pairs: [String]) throws -> [String: String] {
            var values: [String: String] = [:]
            for pair in pairs {
                guard let equals = pair.firstIndex(of: "=") else {
                    throw SlipwayError.invalidRequest("\"\(pair)\" is not KEY=VALUE")
                }
                values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            return values
        }

        func run() async throws {
            let name = try target.name
            let values = try Self.parse(pairs)
            let secretKeys = secret ? Array(values.keys) : []
            try await ReleaseChangeFollower.run(global, announce: "Setting \(values.keys.sorted().joined(separator: ", ")) on \(name)") {
                try await $0.changeConfig(app: name, set: values, unset: [], secret: secretKeys)
            }
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove config vars: slipway config unset APP KEY...")
        @OptionGroup var target: AppArgument
        @Argument(help: ArgumentHelp("Keys to remove.", valueName: "KEY")) var keys: [String]
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            try await ReleaseChangeFollower.run(global, announce: "Unsetting \(keys.joined(separator: ", ")) on \(name)") {
                try await $0.changeConfig(app: name, set: [:], unset: keys)
            }
        }
    }
}

struct Scale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change how many replicas each service runs: slipway scale APP web=3 worker=0",
        discussion: "Makes a new release, without a build, rolled out like a deploy.")

    @OptionGroup var target: AppArgument
    @Argument(help: ArgumentHelp("SERVICE=COUNT pairs.", valueName: "SERVICE=COUNT")) var formation: [String]
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        _ = try Self.parse(formation)
    }

    static func parse(_ pairs: [String]) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let count = Int(parts[1]), count >= 0 else {
                throw ValidationError("\"\(pair)\" is not SERVICE=COUNT (e.g. web=3)")
            }
            counts[parts[0]] = count
        }
        if counts.isEmpty { throw ValidationError("give at least one SERVICE=COUNT, e.g. web=3") }
        return counts
    }

    func run() async throws {
        let name = try target.name
        let counts = try Self.parse(formation)
        let text = counts.keys.sorted().map { "\($0)=\(counts[$0] ?? 0)" }.joined(separator: " ")
        try await ReleaseChangeFollower.run(global, announce: "Scaling \(name) to \(text)") {
            try await $0.scale(app: name, formation: counts)
        }
    }
}
