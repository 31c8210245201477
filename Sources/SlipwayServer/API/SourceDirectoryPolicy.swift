import Foundation
import SlipwayCore

/// Which directories on the server a deploy's `source` may name (`--allow-source-dir`, repeatable).
/// Anyone who may deploy could otherwise have the server copy or clone any folder it can read
/// (`/root`, another app's data) into a build. A path, or a `file://` URL, is refused unless it
/// lies, with symlinks resolved, inside an allowed directory. Uploads and remote git URLs are not
/// paths on the server and are unaffected.
struct SourceDirectoryPolicy: Sendable {
    /// Allowed directories, symlinks resolved.
    let allowed: [String]

    init(_ directories: [String]) {
        allowed = directories.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL.path }
    }

    func check(_ location: SourceLocation) throws {
        guard let path = Self.serverPath(location) else { return }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        if allowed.contains(where: { resolved == $0 || resolved.hasPrefix($0 == "/" ? "/" : $0 + "/") }) { return }
        let hint = allowed.isEmpty ? "the server allows no source directories" : "allowed: \(allowed.joined(separator: ", "))"
        throw SlipwayError(
            code: "source_not_allowed",
            message: "source \(path) is a path on the server, which a deploy may read only inside a directory the operator allows with `slipway server --allow-source-dir DIR` (\(hint)); upload the folder instead (`slipway deploy FOLDER` does) or give a remote git URL",
            httpStatus: 403)
    }

    /// The server path a location names: a path, or a `file://` URL's path.
    static func serverPath(_ location: SourceLocation) -> String? {
        switch location {
        case .localPath(let path):
            return path
        case .git(let url):
            guard url.lowercased().hasPrefix("file://") else { return nil }
            let rest = url.dropFirst("file://".count)
            // file://HOST/path is not a local path git can use; file:///path is.
            return rest.hasPrefix("/") ? String(rest) : "/" + rest
        }
    }
}
