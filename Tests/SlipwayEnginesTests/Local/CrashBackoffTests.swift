@testable import SlipwayEngines
import Testing

/// When the reconciler may restart a crashed replica slot: at once the first time, then after
/// 1 s, 2 s, 4 s... up to 5 min; ten quiet minutes forgive the history.
@Suite("CrashBackoff: restart delays per replica slot")
struct CrashBackoffTests {
    let slot = CrashBackoff.slotKey(app: "shop", service: "web", index: 1)

    /// The delay before the restart after `restarts` earlier ones, found by asking second by second.
    func delay(_ backoff: CrashBackoff, crashAt now: ContinuousClock.Instant) async -> Duration? {
        for seconds in 0...400 where await backoff.claimRestart(slot, now: now + .seconds(seconds)) {
            return .seconds(seconds)
        }
        return nil
    }

    @Test("crashes in a row wait 0, 1, 2, 4, 8 s... and at most 5 min")
    func doubling() async {
        let backoff = CrashBackoff()
        var now = ContinuousClock.now
        var delays: [Duration] = []
        for _ in 0..<12 {
            guard let delay = await delay(backoff, crashAt: now) else { break }
            delays.append(delay)
            now = now + delay + .seconds(1)
        }
        #expect(delays.prefix(6) == [.zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16)])
        #expect(delays.last == .seconds(300))
        #expect(await backoff.history(slot).restarts == 12)
    }

    @Test("ten minutes without a restart forgive the history; other slots and apps keep their own")
    func forgiveness() async {
        let backoff = CrashBackoff()
        let start = ContinuousClock.now
        #expect(await backoff.claimRestart(slot, now: start))
        #expect(!(await backoff.claimRestart(slot, now: start + .milliseconds(500))), "a second crash restarted at once")
        let other = CrashBackoff.slotKey(app: "shop", service: "web", index: 2)
        #expect(await backoff.claimRestart(other, now: start + .milliseconds(500)))
        // One second after the second crash was first seen.
        #expect(await backoff.claimRestart(slot, now: start + .milliseconds(1500)))
        // Quiet for more than ten minutes: the next crash restarts at once again.
        #expect(await backoff.claimRestart(slot, now: start + .milliseconds(1500) + .seconds(601)))
        await backoff.forget(app: "shop")
        #expect(await backoff.history(other).restarts == 0)
    }
}
