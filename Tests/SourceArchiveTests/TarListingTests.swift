import Testing
@testable import SourceArchive

struct TarListingTests {
    @Test func parsesEveryKindOfLine() throws {
        let output = """
        drwxr-xr-x 0/0               0 2026-11-22 00:08 "./"
        -rw-r--r-- 0/0              12 2026-11-22 00:08 "./we\\"ird -> name"
        -rw-r--r-- 0/0               1 2026-11-22 00:08 "./nl\\nx"
        lrwxrwxrwx 0/0               0 2026-11-22 00:08 "./l" -> "d/a b"
        hrw-r--r-- 0/0               0 2026-11-22 00:08 "./d/a" link to "./h"
        crw-r--r-- 0/0             1,3 1970-01-01 00:00 "dev"
        -rw-r--r-- 0/0               0 1970-01-01 00:00 "caf\\303\\251"
        drwxr-xr-x 0/0               0 2026-11-22 00:08 "./d/"
        """
        let entries = try TarListing.parse(output)
        #expect(entries == [
            TarEntry(path: "", kind: .directory, size: 0),
            TarEntry(path: "we\"ird -> name", kind: .regularFile, size: 12),
            TarEntry(path: "nl\nx", kind: .regularFile, size: 1),
            TarEntry(path: "l", kind: .symlink(target: "d/a b"), size: 0),
            TarEntry(path: "d/a", kind: .hardLink(target: "h"), size: 0),
            TarEntry(path: "dev", kind: .other("c"), size: 0),
            TarEntry(path: "café", kind: .regularFile, size: 0),
            TarEntry(path: "d", kind: .directory, size: 0),
        ])
    }

    @Test func unparseableLineIsAnError() {
        #expect(throws: SourceArchiveError.self) { try TarListing.parse("garbage without quotes") }
    }
}
