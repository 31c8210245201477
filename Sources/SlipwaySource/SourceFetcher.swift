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

    /// Bounds a clone's size on disk; a bigger one is stopped (`--max-clone-mb`).
    package var maxCloneBytes: Int64

    package init(gitTimeout: Duration = .seconds(300), maxCloneBytes: Int64 = 1024 * 1_048_576) {
        self.gitTimeout = gitTimeout
        self.maxCloneBytes = maxCloneBytes
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
    /// `credentials` (from an `https://user:token@` URL) reach git as an Authorization header in its
    /// environment, never in its arguments (which every local user can read in /proc) or the URL
    /// (which git repeats in its messages).
    package func clone(url: String, ref: String?, into destination: URL,
                       credentials: (username: String, password: String)? = nil, ssh: SSHAccess? = nil) async throws -> String {
        var environment = Self.environment(url: url, credentials: credentials)
        if let ssh { environment["GIT_SSH_COMMAND"] = ssh.command }
        return try await CloneSizeWatch.bounded(destination, limit: maxCloneBytes, url: url) { [environment] in
            try await cloneUnbounded(url: url, ref: ref, into: destination, environment: environment)
        }
    }

    /// git's environment for one clone. Redirects are never followed: git sends its extra headers
    /// (the credentials) to wherever a redirect of `info/refs` leads for the requests after it, and a
    /// redirect could lead a clone to a metadata host the URL check refused. The header is also
    /// scoped to the URL's origin (`http.<origin>/.extraHeader`), so no other remote gets it.
    static func environment(url: String, credentials: (username: String, password: String)?) -> [String: String] {
        var settings = [("http.followRedirects", "false")]
        if let credentials {
            let basic = Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
            settings.append(("http.\(origin(of: url)).extraHeader", "Authorization: Basic \(basic)"))
        }
        var environment = gitEnvironment
        environment["GIT_CONFIG_COUNT"] = String(settings.count)
        for (index, (key, value)) in settings.enumerated() {
            environment["GIT_CONFIG_KEY_\(index)"] = key
            environment["GIT_CONFIG_VALUE_\(index)"] = value
        }
        return environment
    }

    /// `https://host:port/` of an http(s) URL (the whole URL if it has no path).
    static func origin(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        return String(url[..<(rest.firstIndex(of: "/") ?? url.endIndex)]) + "/"
    }

    private func cloneUnbounded(url: String, ref: String?, into destination: URL, environment: [String: String]) async throws -> String {
        if let ref { try GitRef.validate(ref) }
        var arguments = ["-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never",
                         "clone", "--quiet", "--depth", "1", "--no-recurse-submodules"]
        if let ref { arguments += ["--branch", ref] }
        arguments += ["--", url, destination.path]
        do {
            var result = try await git(arguments, environment: environment)
            if !result.succeeded, let ref, Self.looksLikeCommit(ref) {
                // `--branch` takes branches and tags only; a commit id is fetched on its own.
                try? FileManager.default.removeItem(at: destination)
                result = try await fetchCommit(url: url, commit: ref, into: destination, environment: environment)
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

    /// A commit pushed to one of the server's own repositories (`git push` to `/git/APP.git`), into
    /// `destination`, with the same checks as a clone: shallow, no submodules, no symlink out of
    /// the tree, bounded in size. The commit need not be on a branch yet (a push's branch moves
    /// only once its deploy succeeded): the repository allows fetching any object it holds.
    package func checkoutPushed(repository: String, commit: String, into destination: URL) async throws -> String {
        guard Self.looksLikeCommit(commit), commit.count == 40 || commit.count == 64 else {
            throw SlipwayError.invalidSource("\"\(commit)\" is not a full commit id")
        }
        let url = "file://" + repository
        return try await CloneSizeWatch.bounded(destination, limit: maxCloneBytes, url: "the pushed commit") {
            do {
                let result = try await fetchCommit(url: url, commit: commit, into: destination, environment: Self.gitEnvironment)
                guard result.succeeded else {
                    throw SlipwayError.invalidSource("could not check out the pushed commit \(commit.prefix(12)): \(result.reason)")
                }
                try SourceFetcher.checkTree(destination)
                return commit
            } catch {
                try? FileManager.default.removeItem(at: destination)
                throw error
            }
        }
    }

    /// Runs git with the environment above, bounded by `gitTimeout`.
    private func git(_ arguments: [String], environment: [String: String] = gitEnvironment) async throws -> CommandResult {
        try await Command("git", arguments, environment: environment, timeout: gitTimeout,
                          outputLimit: 1024 * 1024).run()
    }

    /// The result of the first step that failed, else of the last.
    private func fetchCommit(url: String, commit: String, into destination: URL, environment: [String: String]) async throws -> CommandResult {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let steps: [[String]] = [
            ["init", "--quiet"],
            ["-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never", "fetch", "--quiet", "--depth", "1", "--", url, commit],
            ["checkout", "--quiet", "FETCH_HEAD"],
        ]
        var result = CommandResult(exitStatus: 0, standardOutput: "", standardError: "")
        for step in steps {
            result = try await git(["-C", destination.path] + step, environment: environment)
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
        if let status = ["301", "302", "303", "307", "308"].first(where: { text.contains("returned error: \($0)") }) {
            return .invalidSource("the git server at \(url) answered with a redirect (HTTP \(status)); Slipway does not follow a git server's redirects (they could carry the credentials or the clone to another host): deploy from the URL the repository moved to")
        }
        if text.contains("could not read username") || text.contains("could not read password") || text.contains("authentication failed")
            || text.contains("returned error: 401") || text.contains("returned error: 403") {
            return .invalidSource("the git server refused access to \(url): give credentials that can read it in the URL (https://USER:TOKEN@host/...)")
        }
        if let ref, text.contains("remote branch") || text.contains("couldn't find remote ref") || text.contains("not our ref")
            || text.contains("no such remote ref") || (looksLikeCommit(ref) && text.contains("fetch")) {
            return .invalidSource("ref \"\(ref)\" was not found in \(url); check the branch, tag or commit name")
        }
        if text.contains("does not appear to be a git repository") || text.contains("repository not found")
            || text.contains("not found") || text.contains("does not exist") {
            return .invalidSource("repository \(url) was not found; check the URL and that the server can read it")
        }
        if text.contains("host key verification failed") || text.contains("remote host identification has changed")
            || text.contains("no matching host key") {
            return .invalidSource("the ssh host key of \(url) is not the one pinned for it: the server's key changed, or something sits in between. Do not deploy until you know which: check its key against the forge's published fingerprints, then pin it again with `slipway git key APP --known-host \"$(ssh-keyscan HOST)\"`")
        }
        if text.contains("permission denied (publickey") {
            return .invalidSource("the ssh server of \(url) refused the deploy key: add it to the repository with read access (`slipway git show APP` prints it), or make one with `slipway git key APP`")
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
    package func unpack(_ archive: URL, into destination: URL) async throws {
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
