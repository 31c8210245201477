import Foundation
import Yams

/// Reads the manifests Slipway understands. Pure: callers read the files and pass their text.
public enum ManifestParser {
    public static let maxReplicas = 50

    /// `slipway.yaml`: `name:` and `services: {NAME: {dockerfile, port, replicas, env, command}}`.
    public static func parseSlipwayYAML(_ text: String) throws -> AppSpec {
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw SlipwayError.invalidManifest("slipway.yaml is not valid YAML: \(yamlReason(error))")
        }
        guard let top = root as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml must be a mapping with a `services:` key")
        }
        let known: Set<String> = ["name", "services", "release", "cron"]
        if let unknown = top.keys.sorted().first(where: { !known.contains($0) }) {
            throw SlipwayError.invalidManifest("slipway.yaml: unknown field `\(unknown)` (known: cron, name, release, services)")
        }
        var name: AppName?
        if let rawName = top["name"] {
            guard let text = rawName as? String else {
                throw SlipwayError.invalidManifest("slipway.yaml: `name` must be a string")
            }
            name = try DNSLabel(text, kind: "slipway.yaml `name`")
        }
        guard let rawServices = top["services"] else {
            throw SlipwayError.invalidManifest("slipway.yaml: missing field `services` (e.g. services: {web: {port: 8080}})")
        }
        guard let services = rawServices as? [String: Any], !services.isEmpty else {
            throw SlipwayError.invalidManifest("slipway.yaml: `services` must be a non-empty mapping of service names to settings")
        }
        let specs = try services.keys.sorted().map { key in
            try parseService(name: key, value: services[key] as Any)
        }
        try checkDependencies(specs)
        let releaseCommand = try top["release"].map(releasePhase)
        var spec = AppSpec(name: name, services: specs, releaseCommand: releaseCommand)
        spec.cronJobs = try top["cron"].map(cronJobs)
        return spec
    }

    /// `release: {command: [...]}` (or `release: {command: "shell line"}`).
    private static func releasePhase(_ raw: Any) throws -> [String] {
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `release` must be a mapping like {command: [./manage.py, migrate]}")
        }
        try rejectUnknown(map, known: ["command"], path: "release")
        guard let command = map["command"] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `release.command` is missing (e.g. release: {command: [./manage.py, migrate]})")
        }
        return try self.command(command, field: "release.command")
    }

    static func command(_ raw: Any, field: String) throws -> [String] {
        if let text = raw as? String, !text.isEmpty { return ["/bin/sh", "-c", text] }
        if let list = raw as? [Any], !list.isEmpty, list.allSatisfy({ scalarText($0) != nil }) {
            return list.compactMap(scalarText)
        }
        throw SlipwayError.invalidManifest("slipway.yaml: `\(field)` must be a non-empty list of strings (or one shell string)")
    }

    /// `dependsOn` names services of the same app, and the dependencies have no cycle.
    private static func checkDependencies(_ specs: [ServiceSpec]) throws {
        let names = Set(specs.map(\.name.value))
        for spec in specs {
            for dependency in spec.dependsOn where !names.contains(dependency.value) {
                throw SlipwayError.invalidManifest("slipway.yaml: `services.\(spec.name).dependsOn` names `\(dependency)`, which is not a service of this app (services: \(names.sorted().joined(separator: ", ")))")
            }
        }
        var resolved = Set<String>()
        var remaining = specs
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.dependsOn.allSatisfy { resolved.contains($0.value) } }
            if ready.isEmpty {
                let cycle = remaining.map(\.name.value).sorted().joined(separator: ", ")
                throw SlipwayError.invalidManifest("slipway.yaml: `dependsOn` forms a cycle between \(cycle); services cannot wait for each other")
            }
            resolved.formUnion(ready.map(\.name.value))
            remaining.removeAll { resolved.contains($0.name.value) }
        }
    }

    private static func parseService(name key: String, value: Any) throws -> ServiceSpec {
        let path = "services.\(key)"
        let name = try DNSLabel(key, kind: "slipway.yaml service name")
        let fields: [String: Any]
        if value is NSNull { fields = [:] }
        else if let map = value as? [String: Any] { fields = map }
        else { throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping") }
        let known: Set<String> = ["dockerfile", "port", "replicas", "env", "command", "health", "rollout", "drain", "stopGrace",
                                  "routed", "dependsOn", "volumes", "resources", "autoscale", "nodeSelector", "tolerations",
                                  "securityContext"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw SlipwayError.invalidManifest("slipway.yaml: unknown field `\(path).\(unknown)` (known: \(known.sorted().joined(separator: ", ")))")
        }
        var spec = ServiceSpec(name: name)
        if let raw = fields["dockerfile"] {
            guard let text = raw as? String, !text.isEmpty else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).dockerfile` must be a path string")
            }
            spec.dockerfile = try validatedRelativePath(text, field: "\(path).dockerfile")
        }
        if let raw = fields["port"] { spec.port = try port(raw, field: "slipway.yaml: `\(path).port`") }
        if let raw = fields["replicas"] { spec.replicas = try replicas(raw, field: "slipway.yaml: `\(path).replicas`") }
        if let raw = fields["env"] {
            guard let env = raw as? [String: Any] else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).env` must be a mapping of NAME: value")
            }
            for (key, value) in env {
                guard EnvironmentName.isValid(key) else {
                    throw SlipwayError.invalidManifest("slipway.yaml: `\(path).env.\(key)` is not a valid environment variable name (letters, digits and '_', not starting with a digit)")
                }
                guard let text = scalarText(value) else {
                    throw SlipwayError.invalidManifest("slipway.yaml: `\(path).env.\(key)` must be a string, number or boolean")
                }
                spec.env[key] = text
            }
        }
        if let raw = fields["command"] { spec.command = try command(raw, field: "\(path).command") }
        if let raw = fields["routed"] {
            guard let flag = raw as? Bool else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).routed` must be true or false")
            }
            spec.routed = flag
        }
        if let raw = fields["dependsOn"] {
            guard let list = raw as? [Any], list.allSatisfy({ $0 is String }) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).dependsOn` must be a list of service names, e.g. [db]")
            }
            spec.dependsOn = try list.compactMap { $0 as? String }.map { try DNSLabel($0, kind: "`\(path).dependsOn` entry") }
            if spec.dependsOn.contains(name) {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).dependsOn` names the service itself")
            }
        }
        if let raw = fields["volumes"] {
            let parsed = try volumes(raw, path: "\(path).volumes")
            spec.volumes = parsed.mounts
            spec.volumeSizes = parsed.sizes.isEmpty ? nil : parsed.sizes
        }
        try parseScheduling(fields, path: path, into: &spec)
        if let raw = fields["health"] { spec.health = try health(raw, path: "\(path).health") }
        if let raw = fields["rollout"] {
            guard let map = raw as? [String: Any] else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).rollout` must be a mapping like {maxSurge: 1, maxUnavailable: 0}")
            }
            try rejectUnknown(map, known: ["maxSurge", "maxUnavailable"], path: "\(path).rollout")
            if let value = map["maxSurge"] { spec.rollout.maxSurge = try count(value, field: "\(path).rollout.maxSurge", range: 0...maxReplicas) }
            if let value = map["maxUnavailable"] {
                spec.rollout.maxUnavailable = try count(value, field: "\(path).rollout.maxUnavailable", range: 0...maxReplicas)
            }
            if spec.rollout.maxSurge == 0 && spec.rollout.maxUnavailable == 0 {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).rollout`: maxSurge and maxUnavailable cannot both be 0 (nothing could change)")
            }
        }
        if !spec.volumes.isEmpty && fields["rollout"] == nil {
            // Two replicas on one volume during a surge could corrupt it (two databases on one
            // directory): a service with a volume stops its old replica before starting the new one.
            spec.rollout.maxSurge = 0
            spec.rollout.maxUnavailable = 1
        }
        if let raw = fields["drain"] { spec.rollout.drainSeconds = try duration(raw, field: "\(path).drain") }
        if let raw = fields["stopGrace"] { spec.rollout.stopGraceSeconds = Int(try duration(raw, field: "\(path).stopGrace").rounded(.up)) }
        return spec
    }

    /// `volumes: {data: /var/lib/data}`: DNS-label volume names mounted at absolute paths; or
    /// `{data: {path: /var/lib/data, size: 5Gi}}` with the size a Kubernetes engine requests.
    private static func volumes(_ raw: Any, path: String) throws -> (mounts: [String: String], sizes: [String: String]) {
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping of volume names to paths, e.g. {data: /var/lib/data}")
        }
        var volumes: [String: String] = [:]
        var sizes: [String: String] = [:]
        for (name, rawValue) in map {
            _ = try DNSLabel(name, kind: "slipway.yaml volume name `\(path).\(name)`")
            var value = rawValue
            if let detail = rawValue as? [String: Any] {
                try rejectUnknown(detail, known: ["path", "size"], path: "\(path).\(name)")
                if let size = detail["size"] {
                    sizes[name] = try quantity(size, field: "\(path).\(name).size", example: "5Gi")
                }
                value = detail["path"] as Any
            }
            guard let mount = value as? String, mount.hasPrefix("/"), mount != "/",
                  !mount.split(separator: "/").contains(".."), !mount.contains(":") else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).\(name)` must be an absolute path inside the container (not /), e.g. /var/lib/data")
            }
            if let other = volumes.first(where: { $0.value == mount }) {
                throw SlipwayError.invalidManifest("slipway.yaml: volumes `\(other.key)` and `\(name)` are both mounted at \(mount)")
            }
            volumes[name] = mount
        }
        return (volumes, sizes)
    }

    private static func health(_ raw: Any, path: String) throws -> HealthCheck {
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping like {path: /healthz, interval: 2s}")
        }
        try rejectUnknown(map, known: ["path", "interval", "timeout", "threshold", "startPeriod"], path: path)
        var check = HealthCheck()
        if let value = map["path"] {
            guard let text = value as? String, text.hasPrefix("/"), !text.contains(where: { $0.isWhitespace }) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).path` must be an absolute URL path like /healthz")
            }
            check.path = text
        }
        if let value = map["interval"] { check.intervalSeconds = max(0.1, try duration(value, field: "\(path).interval")) }
        if let value = map["timeout"] { check.timeoutSeconds = max(0.05, try duration(value, field: "\(path).timeout")) }
        if let value = map["threshold"] { check.threshold = try count(value, field: "\(path).threshold", range: 1...100) }
        if let value = map["startPeriod"] { check.startPeriodSeconds = try duration(value, field: "\(path).startPeriod") }
        return check
    }

    static func rejectUnknown(_ map: [String: Any], known: Set<String>, path: String) throws {
        if let unknown = map.keys.sorted().first(where: { !known.contains($0) }) {
            throw SlipwayError.invalidManifest("slipway.yaml: unknown field `\(path).\(unknown)` (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    static func duration(_ raw: Any, field: String) throws -> Double {
        guard let seconds = DurationText.seconds(raw) else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(field)` must be a duration like 2s, 500ms or 1m")
        }
        return seconds
    }

    static func count(_ raw: Any, field: String, range: ClosedRange<Int>) throws -> Int {
        guard let value = integer(raw), range.contains(value) else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(field)` must be a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// RAD's `config.json`: `{"applications": [{"application_name", "dockerfile", "replica_count", "port"}]}`.
    /// Each entry is its own app with one service, `web`.
    public static func parseRADConfig(_ data: Data) throws -> [AppSpec] {
        let root: Any
        do { root = try JSONDecoder().decode(PlainJSON.self, from: data).value } catch {
            throw SlipwayError.invalidManifest("config.json is not valid JSON")
        }
        guard let top = root as? [String: Any], let apps = top["applications"] as? [Any] else {
            throw SlipwayError.invalidManifest("config.json: missing field `applications` (a list of {application_name, dockerfile, replica_count, port})")
        }
        guard !apps.isEmpty else {
            throw SlipwayError.invalidManifest("config.json: `applications` is empty; list at least one application")
        }
        var seen = Set<String>()
        return try apps.enumerated().map { index, raw in
            let path = "applications[\(index)]"
            guard let entry = raw as? [String: Any] else {
                throw SlipwayError.invalidManifest("config.json: `\(path)` must be an object")
            }
            guard let rawName = entry["application_name"] as? String else {
                throw SlipwayError.invalidManifest("config.json: missing field `\(path).application_name`")
            }
            let name = try DNSLabel(rawName, kind: "config.json `\(path).application_name`")
            guard seen.insert(name.value).inserted else {
                throw SlipwayError.invalidManifest("config.json: application `\(name)` is listed twice")
            }
            var service = ServiceSpec(name: try DNSLabel("web"))
            if let raw = entry["dockerfile"] {
                guard let text = raw as? String, !text.isEmpty else {
                    throw SlipwayError.invalidManifest("config.json: `\(path).dockerfile` must be a path string")
                }
                service.dockerfile = try validatedRelativePath(text, field: "\(path).dockerfile")
            }
            if let raw = entry["replica_count"] { service.replicas = try replicas(raw, field: "config.json: `\(path).replica_count`") }
            if let raw = entry["port"] { service.port = try port(raw, field: "config.json: `\(path).port`") }
            return AppSpec(name: name, services: [service])
        }
    }

    /// The first port a Dockerfile `EXPOSE`s (the last stage's, as Docker reads it), or nil.
    public static func exposedPort(dockerfile text: String) -> Int? {
        var found: Int?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { continue }
            if first.uppercased() == "FROM" { found = nil }
            if first.uppercased() == "EXPOSE", found == nil, words.count > 1 {
                let portText = words[1].split(separator: "/").first.map(String.init) ?? ""
                if let port = Int(portText), (1...65535).contains(port) { found = port }
            }
        }
        return found
    }

    /// The user the final stage of a Dockerfile runs as (its last `USER` after the last `FROM`),
    /// or nil when that stage sets none.
    public static func dockerfileUser(dockerfile text: String) -> String? {
        var found: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let words = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first?.uppercased() else { continue }
            if first == "FROM" { found = nil }
            if first == "USER", words.count > 1 { found = String(words[1]) }
        }
        return found
    }

    // MARK: - Field helpers

    static func port(_ raw: Any, field: String) throws -> Int {
        guard let value = integer(raw), (1...65535).contains(value) else {
            throw SlipwayError.invalidManifest("\(field) must be a port number between 1 and 65535")
        }
        return value
    }

    static func replicas(_ raw: Any, field: String) throws -> Int {
        guard let value = integer(raw), (0...maxReplicas).contains(value) else {
            throw SlipwayError.invalidManifest("\(field) must be a whole number between 0 and \(maxReplicas)")
        }
        return value
    }

    /// Dockerfile paths are relative to the repository root and may not leave it.
    static func validatedRelativePath(_ path: String, field: String) throws -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if path.hasPrefix("/") || parts.contains("..") || parts.isEmpty {
            throw SlipwayError.invalidManifest("`\(field)` must be a path inside the repository (relative, without '..'), got \"\(path)\"")
        }
        return parts.filter { $0 != "." }.joined(separator: "/")
    }

    static func integer(_ raw: Any) -> Int? {
        if raw is Bool { return nil }
        return raw as? Int
    }

    static func scalarText(_ raw: Any) -> String? {
        switch raw {
        case let text as String: return text
        case let flag as Bool: return flag ? "true" : "false"
        case let int as Int: return String(int)
        case let double as Double: return String(double)
        default: return nil
        }
    }

    private static func yamlReason(_ error: any Error) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "parse error"
    }
}

/// JSON decoded into plain Swift values (Bool, Int, Double, String, arrays, dictionaries).
/// JSONSerialization is not used because on Linux it hands back NSNumbers that cast to Bool
/// and Int alike, so `"replica_count": 1` could not be told from `true`.
struct PlainJSON: Decodable {
    let value: Any

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { value = NSNull() }
        else if let bool = try? container.decode(Bool.self) { value = bool }
        else if let int = try? container.decode(Int.self) { value = int }
        else if let double = try? container.decode(Double.self) { value = double }
        else if let string = try? container.decode(String.self) { value = string }
        else if let array = try? container.decode([PlainJSON].self) { value = array.map(\.value) }
        else { value = try container.decode([String: PlainJSON].self).mapValues(\.value) }
    }
}

public enum EnvironmentName {
    /// POSIX-style environment variable names: letters, digits, '_', not starting with a digit.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !name.isEmpty else { return false }
        if CharacterSet.decimalDigits.contains(first) { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
    }
}
