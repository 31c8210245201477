import Foundation
import SlipwayCore

/// git has no size limit of its own: a clone is watched from outside. Every half second the
/// clone's directory is measured (bytes of regular files, links not followed); past the limit the
/// clone's task is cancelled, which ends git, and the fetch fails saying so.
enum CloneSizeWatch {
    static func bounded<T: Sendable>(_ directory: URL, limit: Int64, url: String,
                                     _ clone: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await clone() }
            let tooLarge = SlipwayError.invalidSource(
                "cloning \(url) was stopped: the repository takes more than \(limit / 1_048_576) MiB on disk (the server's --max-clone-mb); deploy a smaller repository or ask the operator to raise the limit")
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(500))
                    if size(of: directory) > limit { throw tooLarge }
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                guard let value = next else { continue }
                // A clone that finished between two looks is measured once more.
                if size(of: directory) > limit { throw tooLarge }
                return value
            }
            throw CancellationError()
        }
    }

    /// Bytes of the regular files below `directory` (lstat: symlinks are not followed).
    static func size(of directory: URL) -> Int64 {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey],
                                                              options: [], errorHandler: { _, _ in true }) else { return 0 }
        var total: Int64 = 0
        for case let url as URL in enumerator {
            guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]), values.isRegularFile == true else { continue }
            total += Int64(values.fileSize ?? 0)
        }
        return total
    }
}
