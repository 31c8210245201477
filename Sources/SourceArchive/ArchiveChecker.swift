/// The rules an uploaded archive's members must follow, checked one member at a time as tar lists
/// them, so a huge listing is never held in memory: only the running count and size, and the
/// symlinks seen so far (at most `maxEntries` of them).
struct ArchiveChecker {
    let limits: ExtractionLimits
    private(set) var count = 0
    private var total: Int64 = 0
    private var symlinks: [String: String] = [:]

    init(limits: ExtractionLimits) { self.limits = limits }

    /// Path rules, limits, and no member below a symlink listed before it. (A member listed
    /// before its ancestor symlink is written as a real directory first; tar then cannot put the
    /// symlink there and fails, and the tree on disk is checked again after extraction.)
    mutating func add(_ entry: TarEntry) throws {
        count += 1
        if count > limits.maxEntries {
            throw SourceArchiveError("the archive has more than \(limits.maxEntries) entries, the limit; add build outputs and dependencies (node_modules, .build, target) to .dockerignore")
        }
        if entry.path.hasPrefix("/") {
            throw SourceArchiveError.unsafeEntry(entry.path, "has an absolute path")
        }
        let components = entry.path.split(separator: "/")
        if components.contains("..") {
            throw SourceArchiveError.unsafeEntry(entry.path, "has a '..' component that would write outside the destination")
        }
        if !symlinks.isEmpty {
            for length in stride(from: components.count - 1, to: 0, by: -1) {
                let ancestor = components.prefix(length).joined(separator: "/")
                if symlinks[ancestor] != nil {
                    throw SourceArchiveError.unsafeEntry(entry.path, "lies below the symlink \"\(ancestor)\" and would be written through it")
                }
            }
        }
        switch entry.kind {
        case .regularFile:
            total += entry.size
            if total > limits.maxTotalBytes {
                throw SourceArchiveError("the archive unpacks to more than \(limits.maxTotalBytes) bytes, the limit; add large files (build outputs, data, dependencies) to .dockerignore")
            }
        case .directory:
            break
        case .symlink(let target):
            symlinks[entry.path] = target
        case .hardLink(let target):
            throw SourceArchiveError.unsafeEntry(entry.path, "is a hard link (to \"\(target)\"), which uploads do not allow")
        case .other(let type):
            throw SourceArchiveError.unsafeEntry(entry.path, "is a special file (tar type '\(type)': a device, fifo or socket), which uploads do not allow")
        }
    }

    /// Once every member was added: no symlink resolves outside the tree (through other links too).
    func finish() throws {
        for (path, target) in symlinks.sorted(by: { $0.key < $1.key }) {
            let outcome = SymlinkResolver.resolve(
                link: path.split(separator: "/").map(String.init), target: target,
                absoluteInside: { _ in nil },
                readLink: { symlinks[$0.joined(separator: "/")] })
            switch outcome {
            case .inside: continue
            case .escapes: throw SourceArchiveError.unsafeEntry(path, "is a symlink to \"\(target)\", outside the source tree")
            case .loop: throw SourceArchiveError.unsafeEntry(path, "is a symlink loop")
            }
        }
    }
}
