import Foundation

/// Source trees as archives: what the CLI uploads, what the server extracts into a workspace,
/// and the build context it sends to the engine.
public enum SourceArchive {
    /// Root files sent even when `.dockerignore` matches them, as `docker build` does for the
    /// Dockerfile and `.dockerignore`: the server needs them (and `slipway.yaml`) to build at all.
    /// `.slipway/Dockerfile` is where the server writes a Dockerfile it generates (a `.*` or
    /// `.slipway` pattern must not hide it); the rest of a `.slipway` folder is matched as usual.
    static let alwaysKept: Set<String> = ["Dockerfile", ".dockerignore", "slipway.yaml", ".slipway", ".slipway/Dockerfile"]

    /// The entries of `directory` to send, relative and slash-separated, parents before children:
    /// directories (so empty ones survive), regular files and symlinks (kept as links, never followed).
    /// Honours `ROOT/.dockerignore` (see `DockerIgnore`). With `excludeGit`, every `.git` entry is left out:
    /// repository metadata is never build input and can be large. Sockets, fifos and devices are skipped.
    public static func files(in directory: URL, excludeGit: Bool) throws -> [String] {
        let ignore = try DockerIgnore(contentsOf: directory)
        var result: [String] = []
        try FileTree.walk(directory) { path, kind in
            if excludeGit && (path == ".git" || path.hasSuffix("/.git")) { return false }
            let ignored = ignore.isIgnored(path, isDirectory: kind == .directory) && !alwaysKept.contains(path)
            switch kind {
            case .directory:
                if !ignored { result.append(path) }
                // An ignored directory may still hold files a later `!` pattern re-includes.
                return !ignored || ignore.hasExceptions
            case .regularFile, .symlink:
                if !ignored { result.append(path) }
                return false
            case .other:
                return false
            }
        }
        return result
    }

    /// Writes a gzip-compressed tar of `files(in:excludeGit:)` to `destination`: the upload format.
    public static func createTarGz(of directory: URL, to destination: URL, excludeGit: Bool = true) async throws {
        try await createArchive(of: directory, to: destination, compress: true, excludeGit: excludeGit)
    }

    /// Writes an uncompressed tar of `files(in:excludeGit:)` to `destination`: a build context for the engine.
    public static func createTar(of directory: URL, to destination: URL, excludeGit: Bool = true) async throws {
        try await createArchive(of: directory, to: destination, compress: false, excludeGit: excludeGit)
    }

    static func createArchive(of directory: URL, to destination: URL, compress: Bool, excludeGit: Bool) async throws {
        let entries = try files(in: directory, excludeGit: excludeGit)
        // The list is NUL-separated and read with --null (which implies --verbatim-files-from), so
        // any file name works: spaces, newlines, or a leading '-' that tar would otherwise take as an option.
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-list-\(UUID().uuidString)")
        var data = Data()
        for entry in entries {
            data.append(contentsOf: Array(entry.utf8))
            data.append(0)
        }
        do {
            try data.write(to: list)
        } catch {
            throw SourceArchiveError("cannot write a temporary file list to \(list.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: list) }
        var arguments = [compress ? "-czf" : "-cf", destination.path, "-C", directory.path,
                         // Each listed directory is added alone: its contents are listed (or ignored) one by one.
                         "--no-recursion",
                         // Owners of the developer's machine mean nothing on the server; don't leak them.
                         "--owner=0", "--group=0", "--numeric-owner",
                         "--null", "-T", list.path]
        if entries.isEmpty {
            // tar refuses to create an empty archive from an empty list; an empty archive is still valid.
            arguments = [compress ? "-czf" : "-cf", destination.path, "--files-from=/dev/null"]
        }
        try await TarProcess.run(arguments, action: "create \(destination.path)")
    }
}
