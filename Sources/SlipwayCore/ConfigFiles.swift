import Foundation

/// Rules for config files (`slipway config files`): like a Kubernetes ConfigMap, a set of small
/// files mounted read-only at one path in every process.
public enum ConfigFiles {
    /// All files of one mount together, as a ConfigMap's limit.
    public static let maxTotalBytes = 1 << 20

    /// Throws with what is wrong: the mount path, a file name, the total size.
    public static func validate(mount: String, files: [String: Data]) throws {
        try validateMount(mount)
        guard !files.isEmpty else {
            throw SlipwayError.invalidRequest("no files given for \(mount); pass --from-file PATH (a file or a directory)")
        }
        for name in files.keys where !isValidName(name) {
            throw SlipwayError.invalidRequest("\"\(name)\" is not a valid config file name; use letters, digits, '.', '-' and '_' (no slashes)")
        }
        let total = files.values.reduce(0) { $0 + $1.count }
        if total > maxTotalBytes {
            throw SlipwayError.invalidRequest("the config files for \(mount) hold \(total) bytes; the limit is 1 MiB per mount (large files belong in the image or a volume)")
        }
    }

    public static func validateMount(_ mount: String) throws {
        let parts = mount.split(separator: "/")
        guard mount.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.contains("."), !mount.contains(":"),
              !["/proc", "/sys", "/dev"].contains(where: { mount == $0 || mount.hasPrefix($0 + "/") }) else {
            throw SlipwayError.invalidRequest("the mount path \"\(mount)\" must be an absolute directory path inside the container, e.g. /etc/app")
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.count <= 253
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }
}

/// `PUT /v1/apps/{app}/files`: the files to mount at `mount` (replacing what was there).
public struct ConfigFilesRequest: Codable, Sendable {
    public var mount: String
    /// File name -> contents (base64 in JSON).
    public var files: [String: Data]
    public init(mount: String, files: [String: Data]) {
        self.mount = mount
        self.files = files
    }
}

/// `GET /v1/apps/{app}/files`: what is mounted where (names and sizes, not contents).
public struct ConfigFilesView: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int
    }
    public var app: String
    public var release: Int?
    /// Mount path -> its files, sorted by name.
    public var mounts: [String: [File]]

    public init(app: String, release: Int?, files: [String: [String: Data]]) {
        self.app = app
        self.release = release
        mounts = files.mapValues { contents in contents.keys.sorted().map { File(name: $0, size: contents[$0]?.count ?? 0) } }
    }
}
