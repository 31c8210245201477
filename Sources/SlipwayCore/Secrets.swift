import Foundation

/// Which config vars are secrets, and how they are kept out of what users see.
public enum Secrets {
    /// What the API and the CLI show instead of a secret's value.
    public static let redacted = "[redacted]"

    /// Keys treated as secrets without `--secret`: `*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `*_KEY`
    /// (and those words alone).
    public static func isSecretByDefault(_ key: String) -> Bool {
        let upper = key.uppercased()
        return ["PASSWORD", "SECRET", "TOKEN", "KEY"].contains { upper == $0 || upper.hasSuffix("_" + $0) }
    }

    /// `config` with every secret value replaced by `[redacted]`.
    public static func redact(_ config: [String: String], secretKeys: [String]) -> [String: String] {
        var shown = config
        for key in secretKeys where shown[key] != nil { shown[key] = redacted }
        return shown
    }
}

/// Replaces secret values in text (log lines) with `[redacted]`. Very short values are left
/// alone: masking "1" or "on" would garble every line and hide nothing worth hiding.
public struct SecretMask: Sendable, Equatable {
    public static let minimumLength = 4
    /// Longest first, so a secret that contains another is masked whole.
    public let values: [String]

    public init<S: Sequence>(_ values: S) where S.Element == String {
        self.values = Set(values.filter { $0.count >= Self.minimumLength }).sorted { $0.count > $1.count }
    }

    public init(release: Release?) {
        guard let release, let config = release.config else { self.init([]); return }
        self.init((release.secretKeys ?? []).compactMap { config[$0] })
    }

    public var isEmpty: Bool { values.isEmpty }

    public func apply(_ text: String) -> String {
        guard !values.isEmpty else { return text }
        var masked = text
        for value in values where masked.contains(value) {
            masked = masked.replacingOccurrences(of: value, with: Secrets.redacted)
        }
        return masked
    }

    public func merging(_ other: SecretMask) -> SecretMask { SecretMask(values + other.values) }
}
