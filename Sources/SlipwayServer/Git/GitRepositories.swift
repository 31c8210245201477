import Commands
import Foundation
import GitReceive
import SlipwayCore

/// The server's own git repositories, one bare repository per app (`DATA/git/repos/APP.git`),
/// which `git push` writes to, and the environment `git receive-pack` runs in for them.
///
/// What a pusher can change is objects and refs, nothing else: the repositories are made without
/// hooks, and receive-pack is told where the hooks are (`DATA/git/hooks`, written by the server at
/// every start) through its environment, which overrides any repository setting. Branches go
/// through one hook, `proc-receive`, which hands them to the server (`PushSession`).
struct GitRepositories: Sendable {
    /// `DATA/git` (0700).
    let root: URL
    /// Pushes (the pack receive-pack reads) larger than this are refused (`--max-clone-mb`:
    /// anything larger could not be checked out for a deploy anyway).
    var maxPushBytes: Int64
    /// What the hook runs first (`HookFrame.programVariable`): this process's own executable as
    /// `/proc/PID/exe` when the hook program is this executable; nil when it is another program
    /// (tests of the server in process name the built `slipway`).
    var runningProgram: String?

    init(dataDirectory: URL, maxPushBytes: Int64, runningProgram: String? = nil) {
        root = dataDirectory.appendingPathComponent("git")
        self.maxPushBytes = maxPushBytes
        self.runningProgram = runningProgram
    }

    var repositoriesDirectory: URL { root.appendingPathComponent("repos") }
    var hooksDirectory: URL { root.appendingPathComponent("hooks") }
    /// Where the hook reaches the server (`GitHookServer`).
    var socketPath: String { root.appendingPathComponent("hook.sock").path }

    func repository(_ app: AppName) -> URL { repositoriesDirectory.appendingPathComponent("\(app.value).git") }

    /// Makes the directories and writes the hook, which runs `PROGRAM git-hook`: a relay between
    /// receive-pack and the server's socket. PROGRAM is the running server's own executable, named
    /// at each push in receive-pack's environment (`/proc/PID/exe`: replacing or removing the file
    /// the server was started from does not break pushes until a restart), else `hookProgram`, the
    /// path it was started from, resolved at start (so a server whose binary is upgraded in place
    /// still finds one).
    func prepare(hookProgram: String) throws {
        let fileManager = FileManager.default
        for directory in [root, repositoriesDirectory, hooksDirectory] {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        }
        let script = Self.hookScript(fallback: hookProgram)
        let hook = hooksDirectory.appendingPathComponent("proc-receive")
        let temporary = hooksDirectory.appendingPathComponent(".proc-receive.\(UUID().uuidString)")
        guard fileManager.createFile(atPath: temporary.path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o700]) else {
            throw SlipwayError.internal("cannot write the git hook under \(hooksDirectory.path)")
        }
        guard rename(temporary.path, hook.path) == 0 else {
            try? fileManager.removeItem(at: temporary)
            throw SlipwayError.internal("cannot write the git hook \(hook.path): \(String(cString: strerror(errno)))")
        }
    }

    static func hookScript(fallback: String) -> String {
        let quoted = "'" + fallback.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return """
            #!/bin/sh
            # Written by slipway server at every start: relays this push to the server, through the
            # server's own running executable if it named one, else the path it was started from.
            for program in "${\(HookFrame.programVariable):-}" \(quoted); do
                if [ -n "$program" ] && [ -x "$program" ]; then exec "$program" git-hook; fi
            done
            echo "slipway: the server's executable cannot be run any more: restart the server" >&2
            exit 1

            """
    }

    /// The app's repository, made on its first push. Made aside and renamed into place, so two
    /// first pushes at once both find a whole repository.
    func ensure(_ app: AppName, initialBranch: String) async throws -> URL {
        let repository = repository(app)
        if FileManager.default.fileExists(atPath: repository.appendingPathComponent("HEAD").path) {
            // Made elsewhere (an SSH push's receive-pack) without it, maybe.
            try await git(["--git-dir=\(repository.path)", "config", "uploadpack.allowAnySHA1InWant", "true"])
            return repository
        }
        let temporary = repositoriesDirectory.appendingPathComponent(".new-\(app.value)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try await git(["init", "--quiet", "--bare", "--template=", "--initial-branch=\(initialBranch)", temporary.path])
        // A pushed commit is deployed before its branch moves: the deploy's checkout fetches it by id.
        try await git(["--git-dir=\(temporary.path)", "config", "uploadpack.allowAnySHA1InWant", "true"])
        if rename(temporary.path, repository.path) != 0, !FileManager.default.fileExists(atPath: repository.appendingPathComponent("HEAD").path) {
            throw SlipwayError.internal("cannot create the git repository \(repository.path): \(String(cString: strerror(errno)))")
        }
        return repository
    }

    /// The environment receive-pack (directly, or through http-backend) runs with for one push:
    /// no system or user configuration, the server's hooks, branches through `proc-receive`, every
    /// object checked (`fsckObjects`: malformed objects, `.gitmodules` with option-like URLs or
    /// paths), the size limit, and the ticket the hook presents to the server.
    func receiveEnvironment(ticket: String) -> [String: String] {
        let settings: [(String, String)] = [
            ("core.hooksPath", hooksDirectory.path),
            ("receive.procReceiveRefs", "refs/heads/"),
            ("receive.fsckObjects", "true"),
            ("receive.maxInputSize", String(maxPushBytes)),
            ("receive.advertisePushOptions", "false"),
        ]
        var environment = [
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "HOME": root.path,
            "GIT_TERMINAL_PROMPT": "0",
            HookFrame.socketVariable: socketPath,
            HookFrame.ticketVariable: ticket,
            "GIT_CONFIG_COUNT": String(settings.count),
        ]
        if let runningProgram { environment[HookFrame.programVariable] = runningProgram }
        for (index, (key, value)) in settings.enumerated() {
            environment["GIT_CONFIG_KEY_\(index)"] = key
            environment["GIT_CONFIG_VALUE_\(index)"] = value
        }
        return environment
    }

    /// Runs git on one of the server's repositories, bounded; throws unless it succeeds.
    @discardableResult
    func git(_ arguments: [String]) async throws -> CommandResult {
        let result = try await run(arguments)
        guard result.succeeded else { throw SlipwayError.internal("`git \(arguments.prefix(2).joined(separator: " "))` failed: \(result.reason)") }
        return result
    }

    /// Runs git on one of the server's repositories (without system or user configuration), bounded.
    func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
        try await Command("git", arguments, environment: ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": root.path],
                          timeout: timeout, outputLimit: 1024 * 1024).run()
    }
}
