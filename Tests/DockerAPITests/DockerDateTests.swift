import Foundation
import Testing

@testable import DockerAPI

@Suite struct DockerDateTests {
    @Test(arguments: [
        ("2026-11-22T00:10:11Z", 1_795_306_211.0),
        ("2026-11-22T00:10:11.123456789Z", 1_795_306_211.123456789),
        ("2026-11-22T00:10:11.5Z", 1_795_306_211.5),
        ("2026-11-22T01:10:11.25+01:00", 1_795_306_211.25),
        ("2026-11-21T19:10:11-0500", 1_795_306_211.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2000-02-29T12:00:00Z", 951_825_600.0),
    ])
    func parsesRFC3339WithAnyFraction(text: String, expected: Double) throws {
        let date = try #require(DockerDate.parse(text))
        #expect(abs(date.timeIntervalSince1970 - expected) < 0.000_01)
    }

    @Test(arguments: ["", "0001-01-01T00:00:00Z", "2026-11-22", "2026-11-22T00:10:11", "2026-13-01T00:00:00Z", "2026-11-22T00:10:11.Z", "not a date", "2026-11-22T00:10:11Zjunk"])
    func rejectsZeroAndMalformed(text: String) {
        #expect(DockerDate.parse(text) == nil)
    }

    @Test func unixTimes() throws {
        #expect(DockerDate.fromUnix(seconds: 0) == nil)
        #expect(DockerDate.fromUnix(seconds: 1_795_305_930) == Date(timeIntervalSince1970: 1_795_305_930))
        let nano = try #require(DockerDate.fromUnix(seconds: 1_795_305_930, nanoseconds: 1_795_305_930_444_821_257))
        #expect(abs(nano.timeIntervalSince1970 - 1_795_305_930.444821257) < 0.000_01)
    }
}
