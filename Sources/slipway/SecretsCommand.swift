import ArgumentParser
import SlipwayClient
import SlipwayCore

struct Secrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage how the server keeps secrets.",
        subcommands: [RotateKey.self])

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Re-encrypt every stored secret under a new master key, then remove the old key.",
            discussion: """
            The new key is written beside the old one (DATA/master.key.next) before anything is encrypted \
            with it, every secret is re-encrypted in one database transaction, and only then does the new key \
            replace DATA/master.key. If the server dies mid-way, it completes the rotation on its next start; \
            every secret stays readable throughout. Back up DATA/master.key afterwards. Refused (409) when the \
            key comes from SLIPWAY_MASTER_KEY.
            """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let result = try await global.withClient { try await $0.rotateSecretsKey() }
            if global.json { try Output.json(result); return }
            Output.line("""
                Re-encrypted \(result.secrets) stored secret value\(result.secrets == 1 ? "" : "s") in \(result.records) record\(result.records == 1 ? "" : "s") under a new master key.
                The new key is in \(result.keyFile); the old key is removed. Back up the new one with the data directory.
                """)
        }
    }
}
