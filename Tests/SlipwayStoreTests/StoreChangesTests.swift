import Foundation
import SlipwayCore
import SlipwayStore
import Testing

/// `StoreChanges`: what wakes the dashboard's apps list when an app is added or removed.
@Suite("Store changes")
struct StoreChangesTests {
    /// Counts the signals a stream gives, as a listener that reads each one at once.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        func add() { lock.withLock { count += 1 } }
    }

    static func counting(_ signals: AsyncStream<Void>) -> (Counter, Task<Void, Never>) {
        let counter = Counter()
        return (counter, Task { for await _ in signals { counter.add() } })
    }

    /// Polls `condition` until it holds or `seconds` passed.
    static func eventually(within seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test("a commit to a watched table signals every listener; other tables do not; a burst is one pending signal; a listener that stops is forgotten")
    func signals() async throws {
        let store = try SlipwayStore.inMemory()
        let changes = StoreChanges(of: ["app"], in: store)
        let (first, firstTask) = Self.counting(changes.signals())
        let (second, secondTask) = Self.counting(changes.signals())
        let app = try DNSLabel("listed")

        // Another table: no signal.
        _ = try store.recordEvent(AppEvent(app: "listed", kind: .scaled, message: "not the app table"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(first.value == 0 && second.value == 0)

        // The app appears (its first release made current), then goes: a signal each time, to both listeners.
        try store.activate(app: app, version: 1)
        #expect(await Self.eventually { first.value == 1 && second.value == 1 }, "\(first.value) \(second.value)")
        try store.deleteApp(app)
        #expect(await Self.eventually { first.value == 2 && second.value == 2 }, "\(first.value) \(second.value)")

        // A listener that did not read during three commits finds one signal waiting, not three.
        let idleSignals = changes.signals()
        for version in 1...3 { try store.activate(app: app, version: version) }
        #expect(await Self.eventually { first.value >= 3 })  // 3 to 5: a reader that is quick enough sees each
        let idle = Task { () -> Int in
            var count = 0
            for await _ in idleSignals { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(300))
        idle.cancel()
        #expect(await idle.value == 1)

        firstTask.cancel()
        secondTask.cancel()
        #expect(await Self.eventually { changes.listenerCount == 0 }, "\(changes.listenerCount) listeners left")
    }
}
