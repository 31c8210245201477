import Foundation

/// slipway.yaml fields for the Kubernetes engine: `resources`, `autoscale`, `nodeSelector`,
/// `tolerations`. Checked here as the API server would, so a bad value fails the `config`
/// stage with the field's name instead of an apply error later.
extension ManifestParser {
    static func parseScheduling(_ fields: [String: Any], path: String, into spec: inout ServiceSpec) throws {
        if let raw = fields["resources"] { spec.resources = try resources(raw, path: "\(path).resources") }
        if let raw = fields["autoscale"] {
            spec.autoscale = try autoscale(raw, path: "\(path).autoscale")
            if spec.resources?.cpu == nil {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).autoscale` needs `\(path).resources.cpu` (the CPU target is a percentage of the requested CPU), e.g. resources: {cpu: 250m}")
            }
        }
        if let raw = fields["nodeSelector"] { spec.nodeSelector = try nodeSelector(raw, path: "\(path).nodeSelector") }
        if let raw = fields["tolerations"] { spec.tolerations = try tolerations(raw, path: "\(path).tolerations") }
        if let raw = fields["securityContext"] { spec.securityContext = try securityContext(raw, path: "\(path).securityContext") }
    }

    /// `securityContext: {runAsNonRoot, runAsUser, runAsGroup, readOnlyRootFilesystem,
    /// capabilities: {add: [NET_BIND_SERVICE]}}`. No way to turn privilege escalation or a
    /// privileged container back on: the namespace's Pod Security level would refuse the pod.
    private static func securityContext(_ raw: Any, path: String) throws -> SecurityContext {
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping like {runAsUser: 1000, capabilities: {add: [NET_BIND_SERVICE]}}")
        }
        try rejectUnknown(map, known: ["runAsNonRoot", "runAsUser", "runAsGroup", "readOnlyRootFilesystem", "capabilities"], path: path)
        func flag(_ key: String) throws -> Bool? {
            guard let value = map[key] else { return nil }
            guard let flag = value as? Bool else { throw SlipwayError.invalidManifest("slipway.yaml: `\(path).\(key)` must be true or false") }
            return flag
        }
        func id(_ key: String) throws -> Int? {
            guard let value = map[key] else { return nil }
            guard let id = integer(value), (0...2_147_483_647).contains(id) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).\(key)` must be a numeric id (0 or more), e.g. 1000")
            }
            return id
        }
        var context = SecurityContext(runAsNonRoot: try flag("runAsNonRoot"), runAsUser: try id("runAsUser"),
                                      runAsGroup: try id("runAsGroup"), readOnlyRootFilesystem: try flag("readOnlyRootFilesystem"))
        if context.runAsNonRoot == true && context.runAsUser == 0 {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)`: runAsNonRoot is true but runAsUser is 0 (root); remove one of them")
        }
        if let rawCapabilities = map["capabilities"] {
            let capabilitiesPath = "\(path).capabilities"
            guard let capabilities = rawCapabilities as? [String: Any] else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(capabilitiesPath)` must be a mapping like {add: [NET_BIND_SERVICE]}")
            }
            try rejectUnknown(capabilities, known: ["add"], path: capabilitiesPath)
            guard let list = capabilities["add"] as? [Any], list.allSatisfy({ $0 is String }) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(capabilitiesPath).add` must be a list of capability names, e.g. [NET_BIND_SERVICE]")
            }
            let allowed = SecurityContext.baselineCapabilities
            context.addCapabilities = try list.compactMap { $0 as? String }.map { name in
                let bare = name.uppercased().hasPrefix("CAP_") ? String(name.uppercased().dropFirst(4)) : name.uppercased()
                guard allowed.contains(bare) else {
                    throw SlipwayError.invalidManifest("slipway.yaml: `\(capabilitiesPath).add`: \(name) is not allowed (Slipway's namespaces enforce Pod Security baseline, which admits only \(allowed.sorted().joined(separator: ", ")))")
                }
                return bare
            }
        }
        return context
    }

    static func quantity(_ raw: Any, field: String, example: String) throws -> String {
        guard let text = scalarText(raw), !(raw is Bool), KubernetesQuantity.isPositive(text) else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(field)` must be a positive Kubernetes quantity like \(example)")
        }
        return text
    }

    private static func resources(_ raw: Any, path: String) throws -> ResourceRequests {
        guard let map = raw as? [String: Any], !map.isEmpty else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping like {cpu: 500m, memory: 256Mi, pids: 2048}")
        }
        try rejectUnknown(map, known: ["cpu", "memory", "pids"], path: path)
        let memory = try map["memory"].map { try quantity($0, field: "\(path).memory", example: "256Mi or 1Gi") }
        if let memory, (KubernetesQuantity.value(memory) ?? 0) < 6 * 1_048_576 {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path).memory` is below 6Mi, less than a container can start with; e.g. 64Mi")
        }
        return ResourceRequests(cpu: try map["cpu"].map { try quantity($0, field: "\(path).cpu", example: "500m or 1") },
                                memory: memory,
                                pids: try map["pids"].map { try count($0, field: "\(path).pids", range: 16...1_000_000) })
    }

    private static func autoscale(_ raw: Any, path: String) throws -> Autoscale {
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping like {min: 2, max: 10, cpu: 70}")
        }
        try rejectUnknown(map, known: ["min", "max", "cpu"], path: path)
        guard let rawMin = map["min"], let rawMax = map["max"] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` needs `min` and `max`, e.g. {min: 2, max: 10, cpu: 70}")
        }
        let min = try count(rawMin, field: "\(path).min", range: 1...1000)
        let max = try count(rawMax, field: "\(path).max", range: 1...1000)
        guard min <= max else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)`: min (\(min)) must not be more than max (\(max))")
        }
        let cpu = try map["cpu"].map { try count($0, field: "\(path).cpu", range: 1...100) } ?? 70
        return Autoscale(min: min, max: max, cpuPercent: cpu)
    }

    private static func nodeSelector(_ raw: Any, path: String) throws -> [String: String] {
        guard let map = raw as? [String: Any], !map.isEmpty else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping of node labels, e.g. {team: payments}")
        }
        var selector: [String: String] = [:]
        for (key, value) in map {
            guard KubernetesLabel.isValidKey(key) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).\(key)`: \(KubernetesLabel.keyRule)")
            }
            guard let text = scalarText(value), KubernetesLabel.isValidValue(text) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).\(key)` must be a label value: \(KubernetesLabel.valueRule)")
            }
            selector[key] = text
        }
        return selector
    }

    private static func tolerations(_ raw: Any, path: String) throws -> [Toleration] {
        guard let list = raw as? [Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a list like [{key: team, operator: Equal, value: payments, effect: NoSchedule}]")
        }
        return try list.enumerated().map { index, entry in try toleration(entry, path: "\(path)[\(index)]") }
    }

    private static func toleration(_ raw: Any, path: String) throws -> Toleration {
        guard let map = raw as? [String: Any] else {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)` must be a mapping like {key: team, operator: Equal, value: payments, effect: NoSchedule}")
        }
        try rejectUnknown(map, known: ["key", "operator", "value", "effect", "tolerationSeconds"], path: path)
        var toleration = Toleration()
        if let value = map["key"] {
            guard let key = value as? String, KubernetesLabel.isValidKey(key) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).key`: \(KubernetesLabel.keyRule)")
            }
            toleration.key = key
        }
        if let value = map["operator"] {
            guard let text = value as? String, let op = Toleration.Operator(rawValue: text) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).operator` must be Exists or Equal")
            }
            toleration.operator = op
        }
        if let value = map["value"] {
            guard let text = scalarText(value), KubernetesLabel.isValidValue(text) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).value` must be a label value: \(KubernetesLabel.valueRule)")
            }
            toleration.value = text
        }
        if let value = map["effect"] {
            guard let text = value as? String, let effect = Toleration.Effect(rawValue: text) else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).effect` must be NoSchedule, PreferNoSchedule or NoExecute")
            }
            toleration.effect = effect
        }
        if let value = map["tolerationSeconds"] {
            guard let seconds = integer(value), seconds >= 0 else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).tolerationSeconds` must be a whole number of seconds (0 or more)")
            }
            guard toleration.effect == .noExecute else {
                throw SlipwayError.invalidManifest("slipway.yaml: `\(path).tolerationSeconds` needs effect: NoExecute")
            }
            toleration.tolerationSeconds = seconds
        }
        if toleration.key == nil && toleration.operator != .exists {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)`: without a `key` the operator must be Exists (it tolerates every taint)")
        }
        if toleration.operator == .exists && !(toleration.value ?? "").isEmpty {
            throw SlipwayError.invalidManifest("slipway.yaml: `\(path)`: with operator Exists there is no `value`; use operator Equal to match a value")
        }
        return toleration
    }
}

/// Kubernetes label keys and values (also node selectors and toleration keys).
public enum KubernetesLabel {
    static let keyRule = "a label key is a name (up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit), optionally prefixed by a DNS subdomain and '/', e.g. example.com/team"
    static let valueRule = "up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (or empty)"

    public static func isValidKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isName(parts[0])
        case 2: return isSubdomain(parts[0]) && isName(parts[1])
        default: return false
        }
    }

    public static func isValidValue(_ value: String) -> Bool { value.isEmpty || isName(Substring(value)) }

    static func isName(_ name: Substring) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 63, let first = name.first, let last = name.last,
              first.isASCII, last.isASCII, first.isLetter || first.isNumber, last.isLetter || last.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    static func isSubdomain(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { DNSLabel.problem(with: String($0)) == nil }
    }
}
