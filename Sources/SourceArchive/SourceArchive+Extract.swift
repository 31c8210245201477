import Foundation

/// Bounds on what an uploaded archive may unpack to, so one upload cannot fill the server's disk.
public struct ExtractionLimits: Sendable, Equatable {
    /// Sum of the sizes of all files, uncompressed.
    public var maxTotalBytes: Int64
    public var maxEntries: Int

    public init(maxTotalBytes: Int64 = 2 * 1024 * 1024 * 1024, maxEntries: Int = 100_000) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntries = maxEntries
    }
}

extension SourceArchive {
    /// Extracts an uploaded `.tar.gz` into `destination` (created if missing; must be empty).
    /// First lists the archive with tar itself, checking each member as tar prints it (the listing
    /// is never held in memory), and refuses it, extracting nothing, if any member is
    /// absolute, has a `..` component, is a hard link, device, fifo or other special file, is a
    /// symlink resolving outside the tree, or lies below a symlink (a file written through a link);
    /// or if the archive exceeds `limits`. Then extracts with ownership and permission bits from the
    /// archive ignored, and checks the symlinks on disk once more.
    public static func extractTarGz(_ archive: URL, into destination: URL, limits: ExtractionLimits = .init()) async throws {
        var checker = ArchiveChecker(limits: limits)
        try await TarProcess.forEachLine(["-z", "-f", archive.path] + TarListing.listArguments,
                                   action: "read the archive \(archive.lastPathComponent) (is it a .tar.gz?)") { line in
            try checker.add(TarListing.parseLine(line))
        }
        try checker.finish()
        try prepareEmptyDirectory(destination)
        do {
            try await TarProcess.run(["-x", "-z", "-f", archive.path, "-C", destination.path,
                                // Files belong to the server's user and get its umask, whatever the archive says.
                                "--no-same-owner", "--no-same-permissions",
                                // Directory modes and times are applied last, so a read-only directory in
                                // the archive cannot stop its own contents from being written.
                                "--delay-directory-restore",
                                // Clock skew between the developer's machine and the server is not an error.
                                "--warning=no-timestamp"],
                               action: "extract \(archive.lastPathComponent)")
            // Defence in depth: the listing was checked, now check what is really on disk.
            try checkSymlinksStayInside(destination)
        } catch {
            try? removeContents(of: destination)
            throw error
        }
    }

    /// Throws if any symlink below `root` resolves, following further links, outside `root`.
    /// Run after a git clone or an extraction, before anything reads the tree: a build that
    /// follows `config -> /etc` would read the server's files.
    public static func checkSymlinksStayInside(_ root: URL) throws {
        let rootPath = root.standardizedFileURL.path
        func absolutePath(_ components: [String]) -> String {
            components.isEmpty ? rootPath : rootPath + "/" + components.joined(separator: "/")
        }
        func readLink(_ components: [String]) -> String? {
            let path = absolutePath(components)
            guard FileTree.kind(atPath: path) == .symlink else { return nil }
            return try? FileManager.default.destinationOfSymbolicLink(atPath: path)
        }
        func absoluteInside(_ target: String) -> [String]? {
            if target == rootPath { return [] }
            guard target.hasPrefix(rootPath + "/") else { return nil }
            return target.dropFirst(rootPath.count + 1).split(separator: "/").map(String.init)
        }
        try FileTree.walk(root) { path, kind in
            guard kind == .symlink else { return true }
            let components = path.split(separator: "/").map(String.init)
            let target = readLink(components) ?? ""
            switch SymlinkResolver.resolve(link: components, target: target, absoluteInside: absoluteInside, readLink: readLink) {
            case .inside: return false
            case .escapes: throw SourceArchiveError.symlinkEscapes(path, target: target)
            case .loop: throw SourceArchiveError("the symlink \"\(path)\" -> \"\(target)\" is part of a loop; remove it")
            }
        }
    }

    static func prepareEmptyDirectory(_ directory: URL) throws {
        let manager = FileManager.default
        if FileTree.kind(atPath: directory.path) == nil {
            do {
                try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw SourceArchiveError("cannot create \(directory.path): \(error.localizedDescription)")
            }
        }
        guard FileTree.kind(atPath: directory.path) == .directory else {
            throw SourceArchiveError("\(directory.path) is not a folder; extract into a new or empty folder")
        }
        let existing = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
        guard existing.isEmpty else {
            throw SourceArchiveError("\(directory.path) is not empty; extract into a new or empty folder")
        }
    }

    static func removeContents(of directory: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
