import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

/// `slipway keys`, `keys add FILE [--name N]`, `keys remove NAME|FINGERPRINT`: the public keys that
/// may `git push ssh://slipway@HOST:PORT/APP.git` (the server's `--ssh` listener).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, add or remove the public keys that may git push over SSH.",
        discussion: """
        Keys are ed25519 or ECDSA (nistp256/384/521) public keys, one per file as ssh-keygen writes them \
        (~/.ssh/id_ed25519.pub). A key added without --app may push to every app ("all apps" in `slipway keys`); \
        with --app it may push to (and fetch from) those apps only. A removed key is refused from the next connection on.
        """,
        subcommands: [List.self, Add.self, Remove.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The listed keys: name, fingerprint, type, the apps each may push to (the default).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let list = try await global.withClient { try await $0.sshKeys() }
            if global.json { try Output.json(list) } else { Output.line(Reports.sshKeys(list)) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a public key (a .pub file) so it may push.")
        @Argument(help: ArgumentHelp("The public key file, e.g. ~/.ssh/id_ed25519.pub.", valueName: "file")) var file: String
        @Option(help: "Its name in the list (default: the key's comment, e.g. alice@laptop).") var name: String?
        @Option(name: .customLong("app"), help: ArgumentHelp("Limit the key to this app (repeatable); default: every app.", valueName: "app"))
        var apps: [String] = []
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let name, !SSHKeyRequest.isValidName(name) {
                throw ValidationError("--name \(name): use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
            }
            if !apps.isEmpty { do { _ = try SSHKeyRequest.checkedApps(apps) } catch { throw ValidationError("--app: " + Output.message(for: error)) } }
        }

        func run() async throws {
            let text = try Self.read(file)
            let view = try await global.withClient { try await $0.addSSHKey(publicKey: text, name: name, apps: apps.isEmpty ? nil : apps) }
            if global.json { try Output.json(view); return }
            Output.line("added \(view.name) (\(view.fingerprint)): it may git push over SSH now, to \(view.apps == nil ? "every app" : Reports.appsShown(view.apps))")
        }

        /// The key file's text (a public key is one short line; refuse a large file before sending it).
        static func read(_ path: String) throws -> String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard let size = attributes?[.size] as? Int else {
                throw SlipwayError.invalidRequest("cannot read the key file \(path): no such file (make a key with `ssh-keygen -t ed25519`)")
            }
            guard size <= 16 * 1024 else {
                throw SlipwayError.invalidRequest("the key file \(path) is \(size) bytes: not a public key (give the .pub file)")
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw SlipwayError.invalidRequest("cannot read the key file \(path) as text: give the .pub file ssh-keygen wrote")
            }
            return text
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a key: it can no longer push.")
        @Argument(help: ArgumentHelp("The key's name or its SHA256:... fingerprint, as `slipway keys` lists them.", valueName: "name|fingerprint"))
        var key: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let view = try await global.withClient { try await $0.removeSSHKey(key) }
            if global.json { try Output.json(view) } else { Output.line("removed \(view.name) (\(view.fingerprint))") }
        }
    }
}
