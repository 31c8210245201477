import Foundation

/// A release made from another one without a build: a rollback, a config change or a new
/// formation. The deploy that carries it skips fetch, config and build.
public struct ReleaseChange: Sendable, Codable, Equatable {
    /// Start from this release instead of the current one (a rollback).
    public var rollbackTo: Int?
    public var setConfig: [String: String]?
    public var unsetConfig: [String]?
    /// New replica counts per service.
    public var scale: [String: Int]?
    /// Keys of `setConfig` set as secrets (`config set --secret`); `*_PASSWORD`, `*_TOKEN`... are anyway.
    public var secretKeys: [String]?
    /// Config files to mount: mount path -> file name -> contents (replaces what that path had).
    public var setFiles: [String: [String: Data]]?
    /// Mount paths whose config files go away.
    public var removeFiles: [String]?

    public init(rollbackTo: Int? = nil, setConfig: [String: String]? = nil, unsetConfig: [String]? = nil,
                scale: [String: Int]? = nil, secretKeys: [String]? = nil, setFiles: [String: [String: Data]]? = nil,
                removeFiles: [String]? = nil) {
        self.setFiles = setFiles
        self.removeFiles = removeFiles
        self.secretKeys = secretKeys
        self.rollbackTo = rollbackTo
        self.setConfig = setConfig
        self.unsetConfig = unsetConfig
        self.scale = scale
    }

    /// Longest config value accepted, in bytes.
    public static let maxValueBytes = 32 * 1024

    /// Throws with what is wrong with a config change: key names, value sizes, an empty change.
    public static func validateConfig(set: [String: String], unset: [String]) throws {
        if set.isEmpty && unset.isEmpty {
            throw SlipwayError.invalidRequest("nothing to change: give KEY=VALUE pairs to set or KEY names to unset")
        }
        for key in Array(set.keys) + unset where !EnvironmentName.isValid(key) {
            throw SlipwayError.invalidRequest("\"\(key)\" is not a valid config key; use letters, digits and '_', not starting with a digit (e.g. DATABASE_URL)")
        }
        for (key, value) in set where value.utf8.count > maxValueBytes {
            throw SlipwayError.invalidRequest("the value of \(key) is \(value.utf8.count) bytes; config values are limited to 32 KiB")
        }
        if let both = set.keys.first(where: { unset.contains($0) }) {
            throw SlipwayError.invalidRequest("\(both) is both set and unset; choose one")
        }
    }

    /// Applies the change to `base` (the release it starts from) as release `version`.
    public func apply(to base: Release, version: Int, traceId: String, createdAt: Date, createdBy: String?) throws -> Release {
        var release = base
        release.version = version
        release.traceId = traceId
        release.createdAt = createdAt
        release.createdBy = createdBy
        var config = base.config ?? [:]
        for (key, value) in setConfig ?? [:] { config[key] = value }
        for key in unsetConfig ?? [] { config[key] = nil }
        release.config = config
        // A key stays secret once it was one; keys named like secrets are secrets.
        let secret = Set(base.secretKeys ?? []).union(secretKeys ?? []).union(config.keys.filter(Secrets.isSecretByDefault))
        release.secretKeys = secret.intersection(config.keys).sorted()
        var files = base.files ?? [:]
        for (mount, contents) in setFiles ?? [:] { files[mount] = contents }
        for mount in removeFiles ?? [] {
            guard files.removeValue(forKey: mount) != nil else {
                throw SlipwayError.invalidRequest("\(base.app) has no config files at \(mount) (it has: \(files.keys.sorted().joined(separator: ", ")))")
            }
        }
        release.files = files.isEmpty ? nil : files
        for (service, replicas) in scale ?? [:] {
            guard let index = release.services.firstIndex(where: { $0.name == service }) else {
                let known = release.services.map(\.name).joined(separator: ", ")
                throw SlipwayError.invalidRequest("\(base.app) has no service \(service) (it has: \(known))")
            }
            release.services[index].replicas = replicas
        }
        release.description = description(base: base)
        return release
    }

    /// Whether a key this change sets is a secret (explicitly, or by its name).
    public func isSecret(_ key: String) -> Bool {
        (secretKeys ?? []).contains(key) || Secrets.isSecretByDefault(key)
    }

    public func description(base: Release) -> String {
        var parts: [String] = []
        if rollbackTo != nil { parts.append("Rollback to \(base.label)") }
        if let set = setConfig, !set.isEmpty { parts.append("Set " + set.keys.sorted().joined(separator: ", ")) }
        if let unset = unsetConfig, !unset.isEmpty { parts.append("Unset " + unset.sorted().joined(separator: ", ")) }
        if let setFiles, !setFiles.isEmpty { parts.append("Set config files at " + setFiles.keys.sorted().joined(separator: ", ")) }
        if let removeFiles, !removeFiles.isEmpty { parts.append("Remove config files at " + removeFiles.sorted().joined(separator: ", ")) }
        if let scale, !scale.isEmpty {
            parts.append("Scale " + scale.keys.sorted().map { "\($0)=\(scale[$0] ?? 0)" }.joined(separator: " "))
        }
        return parts.joined(separator: "; ")
    }
}
