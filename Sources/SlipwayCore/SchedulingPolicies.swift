/// Scheduling settings of a service that the Kubernetes engine uses (`resources`, `autoscale`,
/// `nodeSelector`, `tolerations` in slipway.yaml). The local engine ignores them.

/// `resources: {cpu: 500m, memory: 256Mi, pids: 2048}`: what one replica asks for, as Kubernetes
/// quantities. On Kubernetes, requests (memory is also the limit); on the local engine, limits of
/// each replica and one-off container (CPU as shares: 1 CPU = 1024), over the engine's defaults.
public struct ResourceRequests: Sendable, Codable, Equatable {
    public var cpu: String?
    public var memory: String?
    /// Processes and threads one container may have (local engine only).
    public var pids: Int?

    public init(cpu: String? = nil, memory: String? = nil, pids: Int? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.pids = pids
    }
}

/// `autoscale: {min: 2, max: 10, cpu: 70}`: replicas follow CPU use, as a percentage of `resources.cpu`.
public struct Autoscale: Sendable, Codable, Equatable {
    public var min: Int
    public var max: Int
    /// Target average CPU utilization, 1...100 percent of the requested CPU.
    public var cpuPercent: Int

    public init(min: Int, max: Int, cpuPercent: Int = 70) {
        self.min = min
        self.max = max
        self.cpuPercent = cpuPercent
    }
}

/// A Kubernetes toleration: lets replicas run on nodes with a matching taint.
public struct Toleration: Sendable, Codable, Equatable {
    public enum Operator: String, Sendable, Codable, CaseIterable { case exists = "Exists", equal = "Equal" }
    public enum Effect: String, Sendable, Codable, CaseIterable {
        case noSchedule = "NoSchedule", preferNoSchedule = "PreferNoSchedule", noExecute = "NoExecute"
    }

    public var key: String?
    public var `operator`: Operator
    public var value: String?
    public var effect: Effect?
    /// Only with effect NoExecute: how long the replica stays on a node once the taint appears.
    public var tolerationSeconds: Int?

    public init(key: String? = nil, operator: Operator = .equal, value: String? = nil, effect: Effect? = nil,
                tolerationSeconds: Int? = nil) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }
}

/// Kubernetes resource quantities (`500m`, `0.5`, `256Mi`, `1G`, `1e3`), as the API server parses them.
public enum KubernetesQuantity {
    static let binarySuffixes: Set<String> = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
    static let decimalSuffixes: Set<String> = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E"]

    /// Whether `text` is a quantity: a sign, digits with an optional fraction, then a binary
    /// suffix (Ki...Ei), a decimal suffix (n, u, m, "", k, M...E) or an exponent (e3, E-2).
    public static func isValid(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let whole = rest.prefix(while: \.isASCIIDigit)
        rest = rest.dropFirst(whole.count)
        var fraction = Substring("")
        if rest.first == "." {
            rest = rest.dropFirst()
            fraction = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(fraction.count)
        }
        guard !whole.isEmpty || !fraction.isEmpty else { return false }
        let suffix = String(rest)
        if binarySuffixes.contains(suffix) || decimalSuffixes.contains(suffix) { return true }
        guard let first = suffix.first, first == "e" || first == "E" else { return false }
        var exponent = suffix.dropFirst()
        if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy(\.isASCIIDigit)
    }

    /// The quantity as a number (`500m` -> 0.5, `256Mi` -> 268435456, `1e3` -> 1000); nil if invalid.
    public static func value(_ text: String) -> Double? {
        guard isValid(text) else { return nil }
        let multipliers: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
            ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
            ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, multiplier) in multipliers where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * multiplier }
        }
        return Double(text)
    }

    /// Whether the quantity is more than zero (a request of 0 or a negative one makes no sense).
    public static func isPositive(_ text: String) -> Bool {
        guard isValid(text), !text.hasPrefix("-") else { return false }
        return text.contains { $0.isASCIIDigit && $0 != "0" }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
