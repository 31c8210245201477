import Foundation
import SlipwayCore
import SlipwayStore

/// A `source` (or RAD `gitrepo`) as a deploy request gives it, checked before anything is queued:
/// a path on the server only inside `--allow-source-dir`; no cloud metadata or link-local host
/// unless `--allow-git-host` names it; credentials in an https URL split off, to be stored sealed
/// while the deploy records the URL as `https://***@host/...`.
struct GitSourceRequest {
    let location: SourceLocation
    /// What the deploy records and shows.
    let shownURL: String
    let credentials: GitURLSafety.Split?

    init(_ raw: String, configuration: ServerConfiguration) throws {
        location = try SourceLocation(raw)
        try SourceDirectoryPolicy(configuration.allowedSourceDirectories).check(location)
        if case .git(let url) = location, let host = GitURLSafety.host(of: url),
           !configuration.allowedGitHosts.contains(host), let reason = GitURLSafety.forbiddenHostReason(host) {
            throw SlipwayError(code: "source_not_allowed",
                               message: "source host refused: \(reason); a clone from there could read the server's cloud credentials. If this really is your git server, start the server with --allow-git-host \(host)",
                               httpStatus: 403)
        }
        credentials = GitURLSafety.split(raw.trimmingCharacters(in: .whitespaces))
        shownURL = credentials?.shown ?? raw
    }

    /// Stores the credentials (sealed) for the deploy's fetch stage.
    func storeCredentials(_ traceId: String, in store: SlipwayStore) throws {
        guard let credentials else { return }
        try store.setDeployCredentials(traceId, username: credentials.username, password: credentials.password)
    }
}
