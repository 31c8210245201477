import Foundation
import SlipwayCore
import Testing
@testable import SlipwayClient

struct FormattingTests {
    @Test(arguments: [
        (0.0, "0.0s"), (0.44, "0.4s"), (3.199999, "3.2s"), (59.94, "59.9s"), (59.99, "1m00s"), (60, "1m00s"), (65.4, "1m05s"),
        (3599, "59m59s"), (3720, "1h02m"), (-1, "0.0s"),
    ])
    func durations(_ seconds: Double, _ text: String) {
        #expect(Format.duration(seconds) == text)
    }

    @Test(arguments: [(Int64(512), "512 B"), (1_234, "1.2 KB"), (34_500_000, "34.5 MB"), (2_000_000_000, "2.0 GB")])
    func bytes(_ count: Int64, _ text: String) {
        #expect(Format.bytes(count) == text)
    }

    @Test func clockAndDateInAGivenZone() {
        let date = Date(timeIntervalSince1970: 1_767_322_800) // 2026-01-02T03:00:00Z
        #expect(Format.clock(date, timeZone: .gmt) == "03:00:00")
        #expect(Format.dateTime(date, timeZone: TimeZone(secondsFromGMT: 3600)!) == "2026-01-02 04:00")
    }

    @Test func sources() {
        #expect(Format.source(SourceInfo(kind: .upload)) == "upload")
        #expect(Format.source(SourceInfo(kind: .git, url: "https://x/y.git", ref: "main", commit: "0123456789abcdef")) == "https://x/y.git@main (0123456)")
        #expect(Format.source(SourceInfo(kind: .git, url: "https://x/y.git")) == "https://x/y.git")
    }

    @Test func tableAlignsColumnsWithoutTrailingSpaces() {
        let table = TextTable(header: ["NAME", "RELEASE", "URL"], rows: [["shop", "v12", "http://shop.localhost"], ["a", "-", ""]])
        #expect(table.render() == """
        NAME  RELEASE  URL
        shop  v12      http://shop.localhost
        a     -
        """)
    }

    @Test func lastLinesKeepsTheTail() {
        var tail = LastLines(capacity: 3)
        for index in 1...5 { tail.append("line \(index)") }
        #expect(tail.lines == ["line 3", "line 4", "line 5"])
    }
}
