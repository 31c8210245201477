import SlipwayCore

/// Object names: deterministic DNS-1123 labels (at most 63 characters, so every name is also a
/// valid label value and Service name). A name that would be longer keeps a prefix and ends in
/// 8 hex characters of its SHA-256, so two long names stay apart.
enum KubernetesNames {
    static let maxLength = 63

    /// `parts` joined by '-', as a DNS label; shortened with a hash suffix when too long.
    static func label(_ parts: String...) -> String { label(parts) }

    static func label(_ parts: [String]) -> String {
        let joined = parts.filter { !$0.isEmpty }.joined(separator: "-")
        guard joined.utf8.count > maxLength else { return joined }
        let suffix = String(ContentHash.hex(Array(joined.utf8)).prefix(8))
        var prefix = String(joined.prefix(maxLength - suffix.count - 1))
        while prefix.hasSuffix("-") { prefix.removeLast() }
        return prefix + "-" + suffix
    }

    /// A Service name must also start with a letter (RFC 1035): `1st-app` becomes `s-1st-app`.
    static func serviceLabel(_ parts: String...) -> String {
        let name = label(parts)
        guard let first = name.first, !first.isLetter else { return name }
        return label(["s"] + parts)
    }

    /// A mount path as a name part: `/etc/my_app` -> `etc-my-app-1a2b3c4d` (the hash keeps
    /// `/etc/app` and `/etc-app` apart).
    static func pathPart(_ path: String) -> String {
        let readable = DNSLabel.sanitized(path)?.value ?? "root"
        let hash = String(ContentHash.hex(Array(path.utf8)).prefix(8))
        return String(readable.prefix(30)) + "-" + hash
    }

    static func namespace(app: AppName) -> String { label("slipway", app.value) }
    static func deployment(app: AppName, service: String) -> String { label(app.value, service) }
    static func service(app: AppName, service: String) -> String { serviceLabel(app.value, service) }
    static func configVars(app: AppName, contentHash: String) -> String { label(app.value, "config", contentHash) }
    static func secret(app: AppName, contentHash: String) -> String { label(app.value, "secrets", contentHash) }
    static func files(app: AppName, mount: String, contentHash: String) -> String {
        label(app.value, "files", pathPart(mount), contentHash)
    }
    static func claim(app: AppName, volume: String) -> String { label(app.value, "volume", volume) }
    /// At most 52 characters: Kubernetes names a CronJob's Jobs NAME-TIMESTAMP.
    static func cronJob(app: AppName, job: String) -> String {
        let name = label(app.value, "cron", job)
        guard name.count > KubernetesRenderer.maxCronJobName else { return name }
        let suffix = String(ContentHash.hex(Array(name.utf8)).prefix(8))
        var prefix = String(name.prefix(KubernetesRenderer.maxCronJobName - 9))
        while prefix.hasSuffix("-") { prefix.removeLast() }
        return prefix + "-" + suffix
    }
    static func releaseJob(app: AppName, version: Int) -> String { label(app.value, "release", "v\(version)") }
    static func ingress(app: AppName) -> String { label(app.value) }
    static func certificateSecret(app: AppName) -> String { label(app.value, "tls") }
    static func networkPolicy(app: AppName) -> String { label(app.value, "allow-ingress") }
}
