import Commands
import Foundation
import SlipwayCore
import SourceArchive

/// The `fetch` stage: puts a deploy's source tree into a fresh workspace.
/// A git URL is cloned shallowly at the ref; an upload is unpacked with every entry checked;
/// either way no symlink may point outside the tree (it would leak host files into the build).
package struct SourceFetcher {
    /// Bounds each git command; a stalled remote ends with a "timed out" error.
    package var gitTimeout: Duration

    package init(gitTimeout: Duration = .seconds(300)) {
        self.gitTimeout = gitTimeout
    }

    /// Environment that keeps git from prompting, running helpers or reading the server user's config hooks.
    static let gitEnvironment = [
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
        "SSH_ASKPASS": "/bin/false",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new",
        "GIT_ALLOW_PROTOCOL": "https:http:ssh:git:file",
        "GIT_CONFIG_NOSYSTEM": "1",
    ]

    /// Clones `url` at `ref` (branch, tag or commit) into `destination`; returns the commit built.
    package func clone(url: String, ref: String?, into destination: URL) async throws -> String {
        if let ref { try GitRef.validate(ref) }
        var arguments = ["-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never",
                         "clone", "--quiet", "--depth", "1", "--no-recurse-submodules"]
        if let ref { arguments += ["--branch", ref] }
        arguments += ["--", url, destination.path]
        do {
            var result = try await git(arguments)
            if !result.succeeded, let ref, Self.looksLikeCommit(ref) {
                // `--branch` takes branches and tags only; a commit id is fetched on its own.
                try? FileManager.default.removeItem(at: destination)
                result = try await fetchCommit(url: url, commit: ref, into: destination)
            }
            guard result.succeeded else {
                try? FileManager.default.removeItem(at: destination)
                throw Self.cloneError(url: url, ref: ref, result: result)
            }
            let head = try await git(["-C", destination.path, "rev-parse", "HEAD"])
            try SourceFetcher.checkTree(destination)
            return head.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch let error as CommandError {
            try? FileManager.default.removeItem(at: destination)
            switch error.kind {
            case .notFound:
                throw SlipwayError.internal("git is not installed on the server; install it (apt-get install git)")
            case .timedOut(let limit):
                throw SlipwayError.invalidSource("cloning \(url) timed out after \(limit.components.seconds) s; check that the repository is reachable from the server")
            default:
                throw SlipwayError.invalidSource("could not clone \(url): \(error.description)")
            }
        }
    }

    /// Runs git with the environment above, bounded by `gitTimeout`.
    private func git(_ arguments: [String]) async throws -> CommandResult {
        try await Command("git", arguments, environment: Self.gitEnvironment, timeout: gitTimeout,
                          outputLimit: 1024 * 1024).run()
    }

    /// The result of the first step that failed, else of the last.
    private func fetchCommit(url: String, commit: String, into destination: URL) async throws -> CommandResult {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let steps: [[String]] = [
            ["init", "--quiet"],
            ["-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never", "fetch", "--quiet", "--depth", "1", "--", url, commit],
            ["checkout", "--quiet", "FETCH_HEAD"],
        ]
        var result = CommandResult(exitStatus: 0, standardOutput: "", standardError: "")
        for step in steps {
            result = try await git(["-C", destination.path] + step)
            if !result.succeeded { break }
        }
        return result
    }

    static func looksLikeCommit(_ ref: String) -> Bool {
        (7...40).contains(ref.count) && ref.allSatisfy(\.isHexDigit)
    }

    /// Turns git's stderr into a message that says what was wrong and what to do.
    static func cloneError(url: String, ref: String?, result: CommandResult) -> SlipwayError {
        let text = result.standardError.lowercased()
        if let ref, text.contains("remote branch") || text.contains("couldn't find remote ref") || text.contains("not our ref")
            || text.contains("no such remote ref") || (looksLikeCommit(ref) && text.contains("fetch")) {
            return .invalidSource("ref \"\(ref)\" was not found in \(url); check the branch, tag or commit name")
        }
        if text.contains("does not appear to be a git repository") || text.contains("repository not found")
            || text.contains("not found") || text.contains("does not exist") {
            return .invalidSource("repository \(url) was not found; check the URL and that the server can read it")
        }
        if text.contains("could not resolve host") || text.contains("connection refused") || text.contains("unable to access")
            || text.contains("could not read from remote") {
            return .invalidSource("repository \(url) is not reachable from the server: \(result.reason)")
        }
        return .invalidSource("could not clone \(url): \(result.reason)")
    }

    /// Copies a directory on the server's machine (no git history) into the workspace.
    package func copyDirectory(_ path: String, into destination: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SlipwayError.invalidSource("source path \(path) does not exist on the server or is not a directory")
        }
        do {
            try SourceArchive.copyTree(URL(fileURLWithPath: path).resolvingSymlinksInPath(), to: destination)
        } catch let error as SourceArchiveError {
            throw SlipwayError.invalidSource("the source folder was refused: \(error.description)")
        }
    }

    /// Unpacks an uploaded .tar.gz, refusing entries that escape the workspace.
    func unpack(_ archive: URL, into destination: URL) async throws {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        do {
            try await SourceArchive.extractTarGz(archive, into: destination)
        } catch let error as SourceArchiveError {
            throw SlipwayError.invalidSource("the uploaded archive was refused: \(error.description)")
        }
        try Self.checkTree(destination)
    }

    static func checkTree(_ root: URL) throws {
        do {
            try SourceArchive.checkSymlinksStayInside(root)
        } catch let error as SourceArchiveError {
            throw SlipwayError.invalidSource("the source was refused: \(error.description)")
        }
    }
}
