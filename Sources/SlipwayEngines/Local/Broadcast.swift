import Foundation

/// Hands each value published to every current listener, each with its own stream that keeps
/// the newest `buffer` values (a slow listener misses old ones, never blocks the publisher).
actor Broadcast<Element: Sendable> {
    private let buffer: Int
    private var listeners: [UUID: AsyncStream<Element>.Continuation] = [:]

    init(buffer: Int) { self.buffer = buffer }

    func publish(_ value: Element) {
        for listener in listeners.values { listener.yield(value) }
    }

    /// The values published from now on, until the consumer stops iterating.
    func stream() -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(buffer))
        let key = UUID()
        listeners[key] = continuation
        continuation.onTermination = { _ in Task { await self.remove(key) } }
        return stream
    }

    private func remove(_ key: UUID) { listeners[key] = nil }
}
