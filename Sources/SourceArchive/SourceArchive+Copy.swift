import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension SourceArchive {
    /// Copies the folder `source` to `destination` (which must not exist) without following
    /// anything: symlinks are copied as symlinks (and must stay inside the tree), regular files are
    /// opened with O_NOFOLLOW | O_NONBLOCK and checked to be regular files once open, so a FIFO
    /// cannot hang the copy and a file swapped for a link meanwhile is not read. A FIFO, device or
    /// socket in the tree is refused, as are trees over `limits`.
    public static func copyTree(_ source: URL, to destination: URL, limits: ExtractionLimits = .init()) throws {
        let manager = FileManager.default
        guard FileTree.kind(atPath: source.path) == .directory else {
            throw SourceArchiveError("\(source.path) is not a folder (or is a symlink to one); give the folder itself")
        }
        try manager.createDirectory(at: destination, withIntermediateDirectories: false)
        var entries = 0
        var total: Int64 = 0
        do {
            try FileTree.walk(source) { relative, kind in
                entries += 1
                if entries > limits.maxEntries {
                    throw SourceArchiveError("the folder has more than \(limits.maxEntries) entries, the limit; add build outputs and dependencies to .dockerignore or deploy a smaller folder")
                }
                let from = source.path + "/" + relative
                let to = destination.path + "/" + relative
                switch kind {
                case .directory:
                    guard mkdir(to, 0o755) == 0 else { throw SourceArchiveError("cannot create \(to): \(String(cString: strerror(errno)))") }
                    return true
                case .symlink:
                    let target = try manager.destinationOfSymbolicLink(atPath: from)
                    guard symlink(target, to) == 0 else { throw SourceArchiveError("cannot create the symlink \(to): \(String(cString: strerror(errno)))") }
                case .regularFile:
                    total += try copyRegularFile(from, to: to, relative: relative, budget: limits.maxTotalBytes - total)
                case .other:
                    throw SourceArchiveError("\"\(relative)\" is a special file (a FIFO, device or socket), which a source may not hold; remove it from the folder")
                }
                return false
            }
            try checkSymlinksStayInside(destination)
        } catch {
            try? manager.removeItem(at: destination)
            throw error
        }
    }

    /// Copies one regular file, keeping its executable bits; returns its size.
    private static func copyRegularFile(_ from: String, to: String, relative: String, budget: Int64) throws -> Int64 {
        let input = open(from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else {
            throw SourceArchiveError("cannot read \"\(relative)\" (\(String(cString: strerror(errno)))); it may have been replaced by a link")
        }
        defer { close(input) }
        var status = stat()
        guard fstat(input, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw SourceArchiveError("\"\(relative)\" changed into something other than a file while it was copied; deploy again")
        }
        let output = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (status.st_mode & 0o111) != 0 ? 0o755 : 0o644)
        guard output >= 0 else { throw SourceArchiveError("cannot write \(to): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var copied: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else { throw SourceArchiveError("cannot read \"\(relative)\": \(String(cString: strerror(errno)))") }
            copied += Int64(count)
            if copied > budget {
                throw SourceArchiveError("the folder holds more than the limit of bytes (at \"\(relative)\"); add large files to .dockerignore")
            }
            let written = buffer.withUnsafeBytes { write(output, $0.baseAddress, count) }
            guard written == count else { throw SourceArchiveError("cannot write \(to): \(String(cString: strerror(errno)))") }
        }
        return copied
    }
}
