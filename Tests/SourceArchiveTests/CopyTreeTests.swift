import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import SourceArchive
import Testing

/// `copyTree`, the copy of a server folder a deploy names (issue 14): it never follows a
/// symlink, a FIFO or a device.
@Suite struct CopyTreeTests {
    @Test func copiesFilesFoldersAndInsideSymlinksAsTheyAre() throws {
        let work = try TempDir()
        try work.write("src/Dockerfile", "FROM busybox\n")
        try work.write("src/bin/run.sh", "#!/bin/sh\n")
        chmod(work.path("src/bin/run.sh").path, 0o755)
        try work.symlink("src/alias", to: "bin/run.sh")
        try SourceArchive.copyTree(work.path("src"), to: work.path("out"))
        #expect(try work.contents("out") == ["Dockerfile", "alias", "bin"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: work.path("out/alias").path) == "bin/run.sh")
        #expect(FileManager.default.isExecutableFile(atPath: work.path("out/bin/run.sh").path))
        #expect(try String(contentsOf: work.path("out/Dockerfile"), encoding: .utf8) == "FROM busybox\n")
    }

    @Test func attackFIFOIsRefusedWithoutHanging() throws {
        let work = try TempDir()
        try work.write("src/Dockerfile", "FROM busybox\n")
        #expect(mkfifo(work.path("src/pipe").path, 0o644) == 0)
        let started = ContinuousClock.now
        let error = #expect(throws: SourceArchiveError.self) { try SourceArchive.copyTree(work.path("src"), to: work.path("out")) }
        #expect(error?.message.contains("\"pipe\" is a special file") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(!FileManager.default.fileExists(atPath: work.path("out").path), "a refused copy leaves nothing")
    }

    @Test func attackSymlinkOutsideIsRefusedAndNotRead() throws {
        let work = try TempDir()
        try work.write("src/Dockerfile", "FROM busybox\n")
        try work.symlink("src/secrets", to: "/etc/passwd")
        let error = #expect(throws: SourceArchiveError.self) { try SourceArchive.copyTree(work.path("src"), to: work.path("out")) }
        #expect(error?.message.contains("points outside the source tree") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: work.path("out").path))
    }

    @Test func attackDeviceIsRefused() throws {
        let work = try TempDir()
        try work.write("src/Dockerfile", "FROM busybox\n")
        // A character device (like /dev/zero, which a copy would read forever): root may make one.
        guard mknod(work.path("src/zero").path, S_IFCHR | 0o644, dev_t((1 << 8) | 5)) == 0 else {
            Issue.record("mknod needs root; this test runs as root in CI")
            return
        }
        let error = #expect(throws: SourceArchiveError.self) { try SourceArchive.copyTree(work.path("src"), to: work.path("out")) }
        #expect(error?.message.contains("\"zero\" is a special file") == true, "\(String(describing: error))")
    }

    @Test func entryLimit() throws {
        let work = try TempDir()
        for index in 0..<5 { try work.write("src/f\(index)") }
        let error = #expect(throws: SourceArchiveError.self) {
            try SourceArchive.copyTree(work.path("src"), to: work.path("out"), limits: .init(maxEntries: 4))
        }
        #expect(error?.message.contains("more than 4 entries") == true)
    }
}

/// The listing is checked as tar prints it: an archive far over the entry limit stops at the
/// limit (tar is killed) instead of being listed whole.
@Suite struct StreamingListingTests {
    @Test func archiveOverTheEntryLimitStopsAtTheLimit() async throws {
        let work = try TempDir()
        let archive = work.path("many.tar.gz")
        try await python("""
        import tarfile, io
        with tarfile.open('\(archive.path)', 'w:gz') as t:
            for n in range(20000):
                t.addfile(tarfile.TarInfo('f/%d' % n), io.BytesIO(b''))
        """)
        var seen = 0
        var checker = ArchiveChecker(limits: .init(maxEntries: 100))
        let error = await #expect(throws: SourceArchiveError.self) {
            try await TarProcess.forEachLine(["-z", "-f", archive.path] + TarListing.listArguments, action: "list") { line in
                seen += 1
                try checker.add(TarListing.parseLine(line))
            }
        }
        #expect(error?.message.contains("more than 100 entries") == true)
        #expect(seen == 101, "stopped at the first entry over the limit")
    }
}
