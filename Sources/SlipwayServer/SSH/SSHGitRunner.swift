import Commands
import Foundation
import Logging
import SlipwayCore
import SlipwaySSH

/// What an accepted SSH git command runs: real `git-receive-pack` (push) or `git-upload-pack`
/// (fetch) on the app's bare repository in the data directory, its standard streams those of the
/// SSH session. No shell is involved: the repository path is built from a checked app name.
struct SSHGitRunner: GitCommandRunner {
    let repositories: URL
    let timeout: Duration
    let logger: Logger

    func run(_ command: GitCommand, for user: SSHUser, io: SSHSessionIO) async -> Int32 {
        do {
            let app = try DNSLabel(command.repository)
            let repository = repositories.appendingPathComponent("\(app.value).git")
            if !FileManager.default.fileExists(atPath: repository.path) {
                guard command.service == .receivePack else {
                    try await io.writeError(line: "slipway: \(app) has no pushed repository yet: push to it first")
                    return 1
                }
                try FileManager.default.createDirectory(at: repositories, withIntermediateDirectories: true)
                try await Command("git", ["init", "--quiet", "--bare", repository.path], timeout: .seconds(30)).runChecked()
            }
            var environment: [String: String] = [:]
            if let version = io.environment["GIT_PROTOCOL"] { environment["GIT_PROTOCOL"] = version }
            let git = Command(command.service.rawValue, [repository.path], environment: environment, timeout: timeout)
            let result = try await git.runStreaming(input: io.input,
                                                    output: { try await io.write($0) },
                                                    error: { try await io.writeError($0) })
            return result.exitStatus ?? 1
        } catch {
            logger.warning("SSH git command failed", metadata: ["ssh.key": "\(user.keyName)", "git.repository": "\(command.repository)", "error": "\(error)"])
            try? await io.writeError(line: "slipway: \(command.service.rawValue) failed: \(error)")
            return 1
        }
    }
}
