import Commands
import Foundation
import Logging
import SlipwayCore
import SlipwaySSH
import SlipwayStore

/// What an accepted SSH git command runs. A push is the same push as over HTTP (`GitPush`): real
/// `git receive-pack` on the app's repository, its deploy streamed back as `remote:` lines and a
/// failed deploy rejecting the push; the SSH channel only carries the bytes. A fetch runs real
/// `git upload-pack` on the same repository. The app must exist or be set up for pushes, as over
/// HTTP. No shell is involved: the repository path comes from a checked app name.
struct SSHGitRunner: GitCommandRunner {
    let push: GitPush
    let store: SlipwayStore
    /// `ssh://slipway@HOST:PORT`, recorded with the releases pushes make.
    let remoteBase: String
    let logger: Logger

    func run(_ command: GitCommand, for user: SSHUser, io: SSHSessionIO) async -> Int32 {
        do {
            let app = try GitController(store: store, push: push, secure: true).checkedApp(command.repository)
            // A key limited to some apps (`keys add --app`) reaches only those, for pushes and fetches alike.
            guard let key = try store.sshKey(fingerprint: user.fingerprint), key.allows(app.value) else {
                let limited = (try? store.sshKey(fingerprint: user.fingerprint))??.apps ?? []
                logger.notice("SSH git command refused: key not allowed for the app",
                              metadata: ["app.name": "\(app)", "ssh.key": "\(user.keyName)", "ssh.key_apps": "\(limited.joined(separator: ","))"])
                try await io.writeError(line: "slipway: the key \(user.keyName) may reach only \(limited.isEmpty ? "no app" : limited.joined(separator: ", ")), not \(app) "
                                        + "(`slipway keys` shows what each key reaches; the server's admin can list it again with `slipway keys add FILE --app \(app)`)")
                return 1
            }
            let output: @Sendable ([UInt8]) async throws -> Void = { try await io.write($0) }
            let error: @Sendable ([UInt8]) async throws -> Void = { try await io.writeError($0) }
            let result: CommandResult
            switch command.service {
            case .receivePack:
                logger.info("push over SSH", metadata: ["app.name": "\(app)", "ssh.key": "\(user.keyName)"])
                result = try await push.receivePack(app: app, remoteURL: "\(remoteBase)/\(app.value).git", input: io.input,
                                                    output: output, error: error)
            case .uploadPack:
                let repository = push.repositories.repository(app)
                guard FileManager.default.fileExists(atPath: repository.path) else {
                    try await io.writeError(line: "slipway: nothing was pushed to \(app) yet: push first")
                    return 1
                }
                var environment: [String: String] = [:]
                if let version = io.environment["GIT_PROTOCOL"] { environment["GIT_PROTOCOL"] = version }
                result = try await Command("git", ["upload-pack", repository.path], environment: environment, timeout: .seconds(600))
                    .runStreaming(input: io.input, output: output, error: error)
            }
            return result.exitStatus ?? 1
        } catch let error as SlipwayError {
            try? await io.writeError(line: "slipway: \(error.message)")
            return 1
        } catch {
            logger.warning("SSH git command failed", metadata: ["ssh.key": "\(user.keyName)", "git.repository": "\(command.repository)", "error": "\(error)"])
            try? await io.writeError(line: "slipway: \(command.service.rawValue) failed: \(error)")
            return 1
        }
    }
}
