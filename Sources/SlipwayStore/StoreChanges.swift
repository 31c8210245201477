import Foundation
import GRDB

/// Tells listeners that some tables changed: each commit that wrote to one of them. One
/// observation of the database serves any number of listeners. A listener holds at most one
/// pending signal (it reads the state again when woken, so a burst of commits is one wake-up), and
/// a slow one never holds up a commit.
public final class StoreChanges: @unchecked Sendable {
    private let lock = NSLock()
    private var listeners: [UUID: AsyncStream<Void>.Continuation] = [:]
    /// Set once in `init`; the observation lasts as long as this object.
    private var observation: AnyDatabaseCancellable?

    /// Starts observing `tables` of `store` (waits for the database's writer once, to register).
    public init(of tables: [String], in store: SlipwayStore) {
        let regions: [any DatabaseRegionConvertible] = tables.map { Table($0) }
        observation = DatabaseRegionObservation(tracking: regions).start(in: store.writer, onError: { _ in }, onChange: { [weak self] _ in
            self?.signal()
        })
    }

    /// A signal after each commit that changed the tables, from now until the caller stops iterating.
    public func signals() -> AsyncStream<Void> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        lock.withLock { listeners[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            _ = self.lock.withLock { self.listeners.removeValue(forKey: id) }
        }
        return stream
    }

    /// Listeners now (for tests).
    public var listenerCount: Int { lock.withLock { listeners.count } }

    private func signal() {
        for continuation in lock.withLock({ Array(listeners.values) }) { continuation.yield() }
    }

    deinit { observation?.cancel() }
}
