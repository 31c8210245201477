import DockerAPI
import SlipwayCore

/// What every replica, one-off and build container on the local engine may use and do (issue 14):
/// a memory limit, CPU shares, a pids limit, no privilege escalation, Docker's default capabilities
/// without NET_RAW, and a capped engine log. A service's `resources` in slipway.yaml overrides the
/// memory, CPU and pids defaults.
public struct ContainerPolicy: Sendable, Equatable {
    public var memoryBytes: Int64 = 512 * 1_048_576
    /// 1024: one CPU's worth of weight under contention (Docker's default).
    public var cpuShares = 1024
    public var pidsLimit = 1024
    public var logMaxSize = "10m"
    public var logMaxFiles = 3
    /// Each build step's container (compilers need more than a replica).
    public var buildMemoryBytes: Int64 = 2048 * 1_048_576
    /// A deploy's builds together may take this long (`--build-timeout`).
    public var buildTimeout: Duration = .seconds(1800)

    public init() {}

    /// What `service` gets: its `resources` where given (memory as bytes, CPU as 1024 shares per
    /// CPU, at least 2), else the defaults.
    public func limits(for resources: ResourceRequests?) -> ContainerLimits {
        let memory = resources?.memory.flatMap(KubernetesQuantity.value).map { Int64($0) } ?? memoryBytes
        let shares = resources?.cpu.flatMap(KubernetesQuantity.value).map { max(2, Int(($0 * 1024).rounded())) } ?? cpuShares
        return ContainerLimits(memoryBytes: memory, cpuShares: shares, pidsLimit: resources?.pids ?? pidsLimit,
                               noNewPrivileges: true, dropCapabilities: ["NET_RAW"], logMaxSize: logMaxSize, logMaxFiles: logMaxFiles)
    }

    /// The limits in words, for an OOM event and `slipway ps`: "memory 512Mi, cpu shares 1024, pids 1024".
    public static func describe(_ limits: ContainerLimits) -> String {
        var parts: [String] = []
        if let memory = limits.memoryBytes { parts.append("memory \(bytes(memory))") }
        if let shares = limits.cpuShares { parts.append("cpu shares \(shares)") }
        if let pids = limits.pidsLimit { parts.append("pids \(pids)") }
        return parts.joined(separator: ", ")
    }

    /// Why a container that exited was killed, naming the memory limit it ran into and where to
    /// raise it; "" when it was not killed. Podman on cgroup v1 with cgroupfs does not report
    /// OOMKilled, so a SIGKILL (exit 137) is reported as a likely out-of-memory kill.
    public func killReason(_ state: ContainerState, _ resources: ResourceRequests?) -> String {
        guard state.oomKilled || state.exitCode == 137 else { return "" }
        let memory = limits(for: resources).memoryBytes ?? memoryBytes
        let source = resources?.memory == nil ? "the default" : "resources.memory"
        let limit = "its memory limit of \(Self.bytes(memory)) (\(source); raise `resources: {memory: ...}` in slipway.yaml)"
        return state.oomKilled ? " (killed: out of memory, over \(limit))"
            : " (killed by SIGKILL, most likely out of memory: over \(limit))"
    }

    static func bytes(_ value: Int64) -> String {
        if value % 1_073_741_824 == 0 { return "\(value / 1_073_741_824)Gi" }
        if value % 1_048_576 == 0 { return "\(value / 1_048_576)Mi" }
        return "\(value) bytes"
    }
}
