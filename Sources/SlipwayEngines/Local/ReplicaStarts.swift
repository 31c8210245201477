import Foundation

/// Tells those who listen (the log collector) that the engine is about to start a replica:
/// starting a container takes a few hundred milliseconds after its process began to write,
/// and the container engine's own start events come later still.
actor ReplicaStarts {
    private var listeners: [UUID: AsyncStream<String>.Continuation] = [:]

    /// Called with a created container's id just before it is started.
    func announce(_ containerID: String) {
        for listener in listeners.values { listener.yield(containerID) }
    }

    /// The ids of the replicas about to start from now on, until the consumer stops iterating.
    func stream() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1000))
        let key = UUID()
        listeners[key] = continuation
        continuation.onTermination = { _ in Task { await self.remove(key) } }
        return stream
    }

    private func remove(_ key: UUID) { listeners[key] = nil }
}
