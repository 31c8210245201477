@testable import SlipwayDashboard
import Testing

@Suite("Dashboard live-stream places")
struct LiveStreamLimitTests {
    @Test("a place dropped without its stream ever being written is given back")
    func droppedPlaceIsGivenBack() throws {
        let limit = LiveStreamLimit(perSession: 2, overall: 3)
        do {
            // A response made but never written: the client went away before its head was sent.
            _ = try limit.enter(session: "s1")
        }
        #expect(limit.count() == 0)
        #expect(limit.count(session: "s1") == 0)
    }

    @Test("a place is given back once, however often it is left; the limits hold meanwhile")
    func leftOnce() throws {
        let limit = LiveStreamLimit(perSession: 2, overall: 3)
        let first = try limit.enter(session: "s1")
        let second = try limit.enter(session: "s1")
        #expect(throws: DashboardError.self) { _ = try limit.enter(session: "s1") }
        let other = try limit.enter(session: "s2")
        #expect(throws: DashboardError.self) { _ = try limit.enter(session: "s3") }
        first.leave()
        first.leave()
        #expect(limit.count() == 2)
        #expect(limit.count(session: "s1") == 1)
        withExtendedLifetime((second, other)) {}
    }
}
