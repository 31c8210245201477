import Foundation
import Testing
@testable import SourceArchive

struct ArchiveRoundTripTests {
    /// A small app folder: a .dockerignore with an exception, a .git folder, an inner symlink,
    /// an empty folder and awkward file names.
    func makeSource() throws -> TempDir {
        let source = try TempDir()
        try source.write(".dockerignore", "node_modules\n*.log\n!keep.log\nsecrets/\n")
        try source.write("Dockerfile", "FROM busybox\n")
        try source.write("src/main.py", "print('hi')\n")
        try source.write("node_modules/dep/index.js")
        try source.write("debug.log")
        try source.write("keep.log", "kept")
        try source.write("secrets/key", "s3cret")
        try source.write(".git/HEAD", "ref: refs/heads/main\n")
        try source.write("-rf", "dash")
        try source.write("with space & \"quotes\".txt", "q")
        try source.write("new\nline", "nl")
        try source.mkdir("empty")
        try source.symlink("current", to: "src/main.py")
        return source
    }

    @Test func filesHonourDockerignoreAndSkipGit() async throws {
        let source = try makeSource()
        let files = try SourceArchive.files(in: source.url, excludeGit: true)
        #expect(files == ["-rf", ".dockerignore", "Dockerfile", "current", "empty", "keep.log", "new\nline",
                          "src", "src/main.py", "with space & \"quotes\".txt"])
        let withGit = try SourceArchive.files(in: source.url, excludeGit: false)
        #expect(withGit.contains(".git/HEAD"))
    }

    @Test func dockerfileAndDockerignoreAreAlwaysSent() async throws {
        let source = try TempDir()
        try source.write(".dockerignore", "*\n")
        try source.write("Dockerfile")
        try source.write("slipway.yaml")
        try source.write("app.py")
        #expect(try SourceArchive.files(in: source.url, excludeGit: true) == [".dockerignore", "Dockerfile", "slipway.yaml"])
    }

    @Test func generatedDockerfileIsAlwaysSentButNotTheRestOfItsFolder() async throws {
        let source = try TempDir()
        try source.write(".dockerignore", ".*\n.slipway\n")
        try source.write(".slipway/Dockerfile")
        try source.write(".slipway/notes.txt")
        try source.write("index.html")
        #expect(try SourceArchive.files(in: source.url, excludeGit: true) == [".dockerignore", ".slipway", ".slipway/Dockerfile", "index.html"])
    }

    @Test func exceptionInsideIgnoredDirectoryIsSent() async throws {
        let source = try TempDir()
        try source.write(".dockerignore", "vendor\n!vendor/keep/me.txt\n")
        try source.write("vendor/keep/me.txt")
        try source.write("vendor/other.txt")
        #expect(try SourceArchive.files(in: source.url, excludeGit: true) == [".dockerignore", "vendor/keep/me.txt"])
    }

    @Test func tarGzRoundTrip() async throws {
        let source = try makeSource()
        let work = try TempDir()
        let archive = work.path("upload.tar.gz")
        try await SourceArchive.createTarGz(of: source.url, to: archive)
        let out = work.path("out")
        try await SourceArchive.extractTarGz(archive, into: out)
        let extracted = try SourceArchive.files(in: out, excludeGit: false)
        #expect(extracted == ["-rf", ".dockerignore", "Dockerfile", "current", "empty", "keep.log", "new\nline",
                              "src", "src/main.py", "with space & \"quotes\".txt"])
        #expect(try String(contentsOf: out.appendingPathComponent("src/main.py"), encoding: .utf8) == "print('hi')\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("current").path) == "src/main.py")
        #expect(try String(contentsOf: out.appendingPathComponent("current"), encoding: .utf8) == "print('hi')\n")
    }

    @Test func plainTarIsABuildContext() async throws {
        let source = try makeSource()
        let work = try TempDir()
        let archive = work.path("context.tar")
        try await SourceArchive.createTar(of: source.url, to: archive)
        // An uncompressed tar starts with the first member's name; a gzip stream with 0x1f 0x8b.
        let head = try FileHandle(forReadingFrom: archive).readData(ofLength: 2)
        #expect(head != Data([0x1F, 0x8B]))
        let names = try await TarProcess.run(["-tf", archive.path], action: "list")
        #expect(names.contains("src/main.py"))
        #expect(!names.contains("secrets"))
        #expect(!names.contains(".git"))
    }

    @Test func emptyFolderMakesAnEmptyArchive() async throws {
        let source = try TempDir()
        let work = try TempDir()
        try await SourceArchive.createTarGz(of: source.url, to: work.path("a.tar.gz"))
        try await SourceArchive.extractTarGz(work.path("a.tar.gz"), into: work.path("out"))
        #expect(try work.contents("out") == [])
    }

    @Test func notAFolderIsAClearError() async throws {
        let work = try TempDir()
        try work.write("file")
        let error = await #expect(throws: SourceArchiveError.self) {
            try await SourceArchive.createTarGz(of: work.path("file"), to: work.path("a.tar.gz"))
        }
        #expect(error?.message.contains("is not a folder") == true)
    }
}
