import ArgumentParser
import SlipwayClient
import SlipwayCore

/// `slipway git connect|key|show|disconnect APP`: deploys from a forge's webhooks;
/// `slipway git remote|set APP`: deploys by `git push` to the server (GitRemoteCommands.swift).
struct Git: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy with git: push to the server's remote, or from a forge's webhooks (GitHub, GitLab, Gitea/Forgejo, Bitbucket Cloud).",
        discussion: """
        Push: `git remote add slipway $(slipway git remote APP)` then `git push slipway main`; the push waits while the \
        commit deploys, shows the stages and the URL, and is rejected if the deploy fails. The password git asks for is \
        the server's admin token (any user name; `git config credential.helper store` keeps it).
        """,
        subcommands: [Connect.self, Key.self, Show.self, Disconnect.self, Remote.self, SetBranch.self])

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect an app to a repository: prints the webhook URL and its secret (shown once).",
            discussion: "A push to the branch deploys that commit. Private repositories: an https URL with a token (https://USER:TOKEN@host/...; kept sealed, never shown), or an ssh URL with `slipway git key`.")
        @OptionGroup var target: AppArgument
        @Option(help: "The repository's clone URL (https://, ssh:// or git@host:path).") var repo: String
        @Option(help: "Set the app's deploy branch (the one `git set --branch` sets too): pushes to it deploy. Default: keep the app's (main unless set).")
        var branch: String?
        @Option(help: "github, gitlab, gitea (also Forgejo) or bitbucket; default: from the URL's host, else github.") var forge: String?
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let forge { do { _ = try Forge(validating: forge) } catch { throw ValidationError(Output.message(for: error)) } }
            if let branch { do { try GitBranch.validate(branch) } catch { throw ValidationError(Output.message(for: error)) } }
        }

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.connectGit(app: name, repo: repo, branch: branch, forge: forge) }
            if global.json { try Output.json(view) } else { Output.line(Reports.gitConnection(view)) }
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the app's ed25519 deploy key (prints its public half) and pin the forge's ssh host key.",
            discussion: "The private half stays on the server, encrypted. ssh clones then trust only the pinned host keys (no trust on first use).")
        @OptionGroup var target: AppArgument
        @Option(name: .customLong("known-host"), help: "The forge's host key as `ssh-keyscan HOST` prints it (check it against the forge's published fingerprints).")
        var knownHost: String?
        @Flag(help: "Replace the deploy key with a new one.") var rotate = false
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.deployKey(app: name, knownHost: knownHost, rotate: rotate) }
            if global.json { try Output.json(view) } else { Output.line(Reports.gitConnection(view)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The app's deploy branch, push remote and, when connected, its repository, forge, webhook URL, deploy key and pinned host keys.")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let view = try await global.withClient { try await $0.gitRemote(app: name) }
            if global.json { try Output.json(view) } else { Output.line(Reports.gitSettings(view)) }
        }
    }

    struct Disconnect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget the repository, the webhook secret and the deploy key.")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let result = try await global.withClient { try await $0.disconnectGit(app: name) }
            if global.json { try Output.json(result) } else { Output.line("\(name) is no longer connected; its webhook deliveries are refused from now on") }
        }
    }
}

/// `slipway previews APP`, `previews enable APP [--ttl 7d] [--max 10]`, `previews disable APP`.
struct Previews: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Preview apps: each pull/merge request runs as APP-pr-N at pr-N.APP.DOMAIN.",
        subcommands: [List.self, Enable.self, Disable.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The app's previews: pull request, commit, URL (the default).")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.previews(app: name) }
            if global.json { try Output.json(list) } else { Output.line(Reports.previews(list)) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deploy every pull/merge request opened or updated as a preview app.")
        @OptionGroup var target: AppArgument
        @Option(help: "Destroy a preview after this long without new commits (7d, 12h, 30m).") var ttl = "7d"
        @Option(help: "At most this many previews at once (1-\(PreviewSettingsRequest.maxPreviews)).") var max = 10
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            do { _ = try PreviewSettingsRequest.seconds(ttl) } catch { throw ValidationError(Output.message(for: error)) }
            guard (1...PreviewSettingsRequest.maxPreviews).contains(max) else {
                throw ValidationError("--max must be between 1 and \(PreviewSettingsRequest.maxPreviews)")
            }
        }

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.enablePreviews(app: name, ttl: ttl, max: max) }
            if global.json { try Output.json(list) } else { Output.line(Reports.previews(list)) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop making previews and destroy the running ones (volumes included).")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.disablePreviews(app: name) }
            if global.json { try Output.json(list) } else { Output.line(Reports.previews(list)) }
        }
    }
}
