import Foundation

/// What a walk of a source tree sees. Symlinks are reported as symlinks and never followed,
/// so a walk stays inside the tree whatever the links point at.
enum EntryKind: Equatable {
    case directory, regularFile, symlink, other
}

enum FileTree {
    static func kind(atPath path: String) -> EntryKind? {
        // attributesOfItem uses lstat: a symlink is reported as itself.
        guard let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType else {
            return nil
        }
        switch type {
        case .typeDirectory: return .directory
        case .typeRegular: return .regularFile
        case .typeSymbolicLink: return .symlink
        default: return .other
        }
    }

    /// Visits every entry below `root` in sorted order, parents before children.
    /// `visit` gets the slash-separated relative path and returns whether to descend into a directory.
    static func walk(_ root: URL, visit: (_ relativePath: String, _ kind: EntryKind) throws -> Bool) throws {
        func walkDirectory(_ relativeDirectory: String) throws {
            let absolute = relativeDirectory.isEmpty ? root.path : root.path + "/" + relativeDirectory
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: absolute).sorted()
            } catch {
                throw SourceArchiveError("cannot read the folder \(absolute): \(error.localizedDescription)")
            }
            for name in names {
                let relative = relativeDirectory.isEmpty ? name : relativeDirectory + "/" + name
                guard let kind = kind(atPath: root.path + "/" + relative) else { continue }
                if try visit(relative, kind), kind == .directory {
                    try walkDirectory(relative)
                }
            }
        }
        guard kind(atPath: root.path) == .directory else {
            throw SourceArchiveError("\(root.path) is not a folder; give the folder that holds the app's source")
        }
        try walkDirectory("")
    }
}
