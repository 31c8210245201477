import Commands
import Foundation
import GitReceive
import Logging
import SlipwayCore

/// Receives a push for an app and deploys it: runs real git (`git receive-pack`, or `git
/// http-backend` for smart HTTP, which runs receive-pack) on the app's repository, with a fresh
/// ticket in its environment through which its `proc-receive` hook reaches this push's
/// `PushSession`. The transport (HTTP route, SSH channel) only carries bytes: it hands over what
/// the client sent and gets what git writes back, as it comes.
struct GitPush: Sendable {
    let repositories: GitRepositories
    let tickets: HookTickets
    let deployer: PushDeployer
    let logger: Logger
    /// A push waits for its deploy; this bounds the whole of it.
    var timeout: Duration = .seconds(3 * 3600)

    /// `git receive-pack` on the app's repository, as an SSH server runs it for
    /// `git-receive-pack '/APP.git'`: `input` is the client's bytes; `output` gets receive-pack's
    /// standard output (for the client), `error` its standard error (the channel's extended data).
    func receivePack<Input: AsyncSequence & Sendable>(app: AppName, remoteURL: String, input: Input,
                                                       output: @escaping @Sendable ([UInt8]) async throws -> Void,
                                                       error: @escaping @Sendable ([UInt8]) async throws -> Void)
        async throws -> CommandResult where Input.Element == [UInt8] {
        let repository = try await repositories.ensure(app, initialBranch: try deployer.deployBranch(app))
        return try await withTicket(app: app, remoteURL: remoteURL) { environment in
            try await Command("git", ["receive-pack", repository.path], environment: environment, timeout: timeout)
                .runStreaming(input: input, output: output, error: error)
        }
    }

    /// `git http-backend` (CGI) for one smart-HTTP request of a push (`GET .../info/refs?service=
    /// git-receive-pack`, `POST .../git-receive-pack`). Its response headers are read (a status
    /// other than 200 is logged, its body dropped); its body goes to `onBody` as it comes.
    func httpBackend<Input: AsyncSequence & Sendable>(app: AppName, remoteURL: String, request: CGIRequest, input: Input,
                                                       onBody: @escaping @Sendable ([UInt8]) async throws -> Void)
        async throws -> CommandResult where Input.Element == [UInt8] {
        _ = try await repositories.ensure(app, initialBranch: try deployer.deployBranch(app))
        let response = CGIResponseReader(onBody: onBody)
        let logger = logger
        return try await withTicket(app: app, remoteURL: remoteURL) { environment in
            var environment = environment
            environment.merge(request.environment(projectRoot: repositories.repositoriesDirectory.path, app: app)) { _, cgi in cgi }
            let result = try await Command("git", ["http-backend"], environment: environment, timeout: timeout)
                .runStreaming(input: input, output: { try await response.consume($0) }, error: { bytes in
                    logger.info("git http-backend", metadata: ["app.name": "\(app)", "stderr": "\(String(decoding: bytes, as: UTF8.self).prefix(2000))"])
                })
            if let refusal = await response.refusal {
                logger.warning("git http-backend refused a request", metadata: ["app.name": "\(app)", "refusal": "\(refusal)"])
            }
            return result
        }
    }

    /// Runs `body` with receive-pack's environment for a new ticket, answered by a `PushSession`.
    private func withTicket(app: AppName, remoteURL: String,
                            _ body: ([String: String]) async throws -> CommandResult) async throws -> CommandResult {
        let session = PushSession(app: app, remoteURL: remoteURL, deployer: deployer, logger: logger)
        let ticket = await tickets.register { await session.converse($0) }
        do {
            let result = try await body(repositories.receiveEnvironment(ticket: ticket))
            await tickets.remove(ticket)
            return result
        } catch {
            await tickets.remove(ticket)
            throw error
        }
    }
}
