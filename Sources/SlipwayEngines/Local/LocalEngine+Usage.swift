import DockerAPI
import Foundation
import SlipwayCore

extension LocalEngine {
    /// One listing of this server's running replicas, then one stats reading each
    /// (`stream=false`), a few at a time so a hundred apps do not queue a hundred requests at once.
    /// A replica that went away meanwhile is left out; an engine that does not answer gives none.
    public func resourceUsage() async -> [ReplicaUsage] {
        guard let containers = try? await docker.listContainers(all: false, labelFilters: labels.filters()) else { return [] }
        let replicas = containers.compactMap { container in ReplicaLabels(container.labels).map { (container.id, $0) } }
        let docker = self.docker
        return await withTaskGroup(of: ReplicaUsage?.self) { group in
            var usage: [ReplicaUsage] = []
            var next = replicas.makeIterator()
            func startOne() -> Bool {
                guard let (id, replica) = next.next() else { return false }
                group.addTask {
                    guard let stats = try? await docker.containerStats(id) else { return nil }
                    return ReplicaUsage(app: replica.app, service: replica.service, index: replica.index, containerId: String(id.prefix(12)),
                                        cpuNanoseconds: stats.cpuTotalNanoseconds, memoryBytes: stats.memoryBytes, time: Date())
                }
                return true
            }
            for _ in 0..<4 where startOne() {}
            for await reading in group {
                if let reading { usage.append(reading) }
                _ = startOne()
            }
            return usage
        }
    }
}
