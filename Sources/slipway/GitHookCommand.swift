import ArgumentParser
import Foundation
import GitReceive

/// `slipway git-hook`: not for people. git's `proc-receive` hook of every push to the server's
/// repositories runs it (the server writes the hook); it relays receive-pack to the server.
struct GitHookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "git-hook", abstract: "Relay a push's proc-receive hook to the server (run by git).",
                                                    shouldDisplay: false)

    func run() throws {
        let status = HookRelay.run()
        if status != 0 { throw ExitCode(status) }
    }
}
