@testable import SlipwayEngines
import Testing

/// The local engine's per-app lock, which a `Rollout` holds from `rollOut` to `commit` or `undo`:
/// one holder at a time, and a holder dropped without releasing frees it.
@Suite("AppLocks: the per-app lock a rollout holds")
struct AppLocksTests {
    @Test("an app has one holder at a time; other apps are independent")
    func oneHolder() async {
        let locks = AppLocks()
        let lease = await locks.tryLock("shop")
        #expect(lease != nil)
        #expect(await locks.tryLock("shop") == nil)
        #expect(await locks.tryLock("blog") != nil)
        if let lease { await locks.unlock(lease) }
        #expect(await locks.tryLock("shop") != nil)
    }

    @Test("a lease dropped without unlock frees the lock and marks what its holder listed as stale")
    func droppedLease() async {
        let locks = AppLocks()
        var lease = await locks.tryLock("shop")
        #expect(lease != nil)
        let before = await locks.generation("shop")
        lease = nil
        #expect(await locks.tryLock("shop") != nil, "a dropped rollout kept the app locked")
        #expect(await locks.generation("shop") == before + 1)
        _ = lease
    }

    @Test("an old lease cannot unlock the lock a newer holder took")
    func staleUnlock() async throws {
        let locks = AppLocks()
        let first = try #require(await locks.tryLock("shop"))
        await locks.unlock(first)
        let second = try #require(await locks.tryLock("shop"))
        await locks.unlock(first)
        #expect(await locks.tryLock("shop") == nil, "the first holder freed the second one's lock")
        await locks.unlock(second)
    }

    @Test("lock waits for the holder, and gives up after its timeout")
    func waiting() async throws {
        let locks = AppLocks()
        let held = try #require(await locks.tryLock("shop"))
        #expect(await locks.lock("shop", timeout: .milliseconds(100)) == nil)
        async let waiter = locks.lock("shop", timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        await locks.unlock(held)
        #expect(await waiter != nil)
    }
}
