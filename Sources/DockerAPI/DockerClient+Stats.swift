import Foundation

/// One reading of a container's resource use (`GET /containers/{id}/stats?stream=false`).
public struct ContainerStats: Sendable, Equatable {
    /// CPU time the container used since it started, in nanoseconds (all cores).
    public var cpuTotalNanoseconds: UInt64
    /// Memory in use, page cache the kernel can drop (`inactive_file`) left out, as `docker stats` shows it.
    public var memoryBytes: UInt64

    public init(cpuTotalNanoseconds: UInt64, memoryBytes: UInt64) {
        self.cpuTotalNanoseconds = cpuTotalNanoseconds
        self.memoryBytes = memoryBytes
    }
}

/// The fields of the engine's stats answer that `ContainerStats` reads.
struct WireContainerStats: Decodable {
    struct CPUStats: Decodable {
        struct Usage: Decodable { var total_usage: UInt64? }
        var cpu_usage: Usage?
    }

    struct MemoryStats: Decodable {
        var usage: UInt64?
        var stats: [String: UInt64]?
    }

    var cpu_stats: CPUStats?
    var memory_stats: MemoryStats?

    var stats: ContainerStats {
        let usage = memory_stats?.usage ?? 0
        // cgroup v2 names it inactive_file, v1 total_inactive_file.
        let cache = memory_stats?.stats?["inactive_file"] ?? memory_stats?.stats?["total_inactive_file"] ?? 0
        return ContainerStats(cpuTotalNanoseconds: cpu_stats?.cpu_usage?.total_usage ?? 0, memoryBytes: usage > cache ? usage - cache : usage)
    }
}

extension DockerRequest {
    /// One reading, not a stream. Docker waits for a second reading to fill `precpu_stats`;
    /// callers work out CPU shares from their own consecutive readings instead.
    static func containerStats(_ id: String) -> DockerRequest {
        DockerRequest(method: .GET, path: "/containers/\(escapePath(id))/stats", query: [("stream", "false")])
    }
}

extension DockerClient {
    /// `GET /containers/{id}/stats?stream=false`; nil when there is no such container.
    public func containerStats(_ id: String) async throws -> ContainerStats? {
        try await sendForOptionalJSON(.containerStats(id), as: WireContainerStats.self)?.stats
    }
}
