import ArgumentParser
import SlipwayClient
import SlipwayCore

/// `slipway git remote APP` and `slipway git set APP --branch B`: pushing to deploy.
extension Git {
    struct Remote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the app's git remote URL.")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.gitRemote(app: name) }
            if global.json { try Output.json(view) } else { Output.line(view.remote) }
        }
    }

    struct SetBranch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set the app's deploy branch (main by default): pushes to it, by git push or by webhook, deploy.",
            discussion: "Other branches are stored and not deployed. Also makes a new app ready for its first push. `git connect --branch` sets the same setting.")
        @OptionGroup var target: AppArgument
        @Option(help: "The branch that deploys.") var branch: String
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            do { try GitBranch.validate(branch) } catch { throw ValidationError(Output.message(for: error)) }
        }

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.setGitRemote(app: name, branch: branch) }
            if global.json {
                try Output.json(view)
            } else {
                Output.line("\(view.app): pushes to \(view.branch) deploy; remote \(view.remote)")
            }
        }
    }
}
