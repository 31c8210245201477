import Foundation
import Testing
@testable import SourceArchive

/// Hand-made archives that try to write outside the destination: each must be refused before
/// anything is written.
struct ExtractionSafetyTests {
    struct Malicious: CustomTestStringConvertible, Sendable {
        let name: String
        let members: [String]
        let expected: String
        var testDescription: String { name }
    }

    static let cases: [Malicious] = [
        .init(name: "dot-dot path", members: ["f(t, 'ok.txt')", "f(t, '../evil')"], expected: "'..' component"),
        .init(name: "nested dot-dot", members: ["f(t, 'a/../../evil')"], expected: "'..' component"),
        .init(name: "absolute path", members: ["f(t, '/tmp/slipway-abs-evil')"], expected: "absolute path"),
        .init(name: "symlink to /etc/passwd", members: ["l(t, 'passwd', '/etc/passwd')"], expected: "outside the source tree"),
        .init(name: "symlink up and out", members: ["d(t, 'a')", "l(t, 'a/x', '../../x')"], expected: "outside the source tree"),
        .init(name: "symlink to dir then file through it",
              members: ["l(t, 'etc', '/etc')", "f(t, 'etc/cron.d/evil', b'* * * * * root sh')"], expected: "below the symlink"),
        .init(name: "file through an inside symlink", members: ["d(t, 'real')", "l(t, 'link', 'real')", "f(t, 'link/f')"],
              expected: "below the symlink"),
        .init(name: "chained symlinks climb out", members: ["d(t, 'sub')", "l(t, 'sub/up', '..')", "l(t, 'esc', 'sub/up/..')"],
              expected: "outside the source tree"),
        .init(name: "symlink loop", members: ["l(t, 'a', 'b')", "l(t, 'b', 'a')"], expected: "loop"),
        .init(name: "hard link", members: ["f(t, 'a')", "h(t, 'b', 'a')"], expected: "hard link"),
        .init(name: "hard link to outside", members: ["h(t, 'shadow', '/etc/shadow')"], expected: "hard link"),
        .init(name: "character device", members: ["special(t, 'null', tarfile.CHRTYPE)"], expected: "special file"),
        .init(name: "fifo", members: ["special(t, 'pipe', tarfile.FIFOTYPE)"], expected: "special file"),
    ]

    @Test(arguments: cases)
    func refusedAndNothingWritten(_ c: Malicious) async throws {
        let work = try TempDir()
        let archive = work.path("evil.tar.gz")
        try await makeArchive(at: archive, members: c.members)
        let destination = work.path("out")
        let error = await #expect(throws: SourceArchiveError.self) {
            try await SourceArchive.extractTarGz(archive, into: destination)
        }
        #expect(error?.message.contains(c.expected) == true, "message was: \(error?.message ?? "none")")
        #expect(error?.message.contains("nothing was extracted") == true)
        #expect(!FileManager.default.fileExists(atPath: destination.path), "the destination must not even be created")
        #expect(try work.contents() == ["evil.tar.gz"], "nothing may be written next to the destination")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/slipway-abs-evil"))
    }

    @Test func symlinksInsideTheTreeAreFine() async throws {
        let work = try TempDir()
        let archive = work.path("ok.tar.gz")
        try await makeArchive(at: archive, members: [
            "d(t, 'lib')", "f(t, 'lib/real.txt', b'real')", "l(t, 'lib/alias.txt', 'real.txt')",
            "l(t, 'top', 'lib/alias.txt')", "d(t, 'a')", "l(t, 'a/up', '../lib')", "l(t, 'self', '.')",
        ])
        try await SourceArchive.extractTarGz(archive, into: work.path("out"))
        #expect(try String(contentsOf: work.path("out/top"), encoding: .utf8) == "real")
    }

    @Test func entryCountLimit() async throws {
        let work = try TempDir()
        let archive = work.path("many.tar.gz")
        try await makeArchive(at: archive, members: (0..<5).map { "f(t, 'f\($0)')" })
        let error = await #expect(throws: SourceArchiveError.self) {
            try await SourceArchive.extractTarGz(archive, into: work.path("out"), limits: .init(maxEntries: 4))
        }
        #expect(error?.message.contains("more than 4 entries, the limit") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: work.path("out").path))
    }

    @Test func sizeLimitCountsUncompressedBytes() async throws {
        let work = try TempDir()
        let archive = work.path("big.tar.gz")
        // 1 MB of zeros compresses to about 1 KB: the limit must look at the unpacked size.
        try await makeArchive(at: archive, members: ["f(t, 'zeros', bytes(1_000_000))"])
        let error = await #expect(throws: SourceArchiveError.self) {
            try await SourceArchive.extractTarGz(archive, into: work.path("out"), limits: .init(maxTotalBytes: 500_000))
        }
        #expect(error?.message.contains("more than 500000 bytes") == true)
        try await SourceArchive.extractTarGz(archive, into: work.path("out2"), limits: .init(maxTotalBytes: 2_000_000))
    }

    @Test func notAnArchive() async throws {
        let work = try TempDir()
        try work.write("junk.tar.gz", "this is not gzip")
        let error = await #expect(throws: SourceArchiveError.self) {
            try await SourceArchive.extractTarGz(work.path("junk.tar.gz"), into: work.path("out"))
        }
        #expect(error?.message.contains("tar failed to read the archive") == true)
    }

    @Test func refusesNonEmptyDestination() async throws {
        let work = try TempDir()
        let archive = work.path("ok.tar.gz")
        try await makeArchive(at: archive, members: ["f(t, 'a')"])
        try work.write("out/existing")
        let error = await #expect(throws: SourceArchiveError.self) {
            try await SourceArchive.extractTarGz(archive, into: work.path("out"))
        }
        #expect(error?.message.contains("is not empty") == true)
    }

    @Test func permissionsFromTheArchiveDoNotLockUsOut() async throws {
        let work = try TempDir()
        let archive = work.path("ro.tar.gz")
        // A read-only directory listed before its contents.
        try await makeArchive(at: archive, members: [
            "i = tarfile.TarInfo('ro'); i.type = tarfile.DIRTYPE; i.mode = 0o500; t.addfile(i)",
            "f(t, 'ro/inside.txt', b'in')",
        ])
        try await SourceArchive.extractTarGz(archive, into: work.path("out"))
        #expect(try String(contentsOf: work.path("out/ro/inside.txt"), encoding: .utf8) == "in")
    }
}
