import Commands
import Foundation
import Testing

/// A fresh temporary folder per test, removed when the test ends.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-sa-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Writes `text` to `relative`, creating parent folders.
    func write(_ relative: String, _ text: String = "x") throws {
        let file = path(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(at: path(relative), withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path(relative).path, withDestinationPath: target)
    }

    func contents(_ relative: String = "") throws -> [String] {
        let base = relative.isEmpty ? url : path(relative)
        return try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
    }
}

/// Runs python3 with `script`, which builds hand-made (malicious) archives with the tarfile module.
func python(_ script: String) async throws {
    let result = try await Command("python3", ["-c", script], timeout: .seconds(60)).run()
    #expect(result.succeeded, "python3 failed to build the test archive: \(result.reason)")
}

/// Builds `ARCHIVE` (a .tar.gz) from member descriptions, in Python's tarfile syntax.
/// Each member is a Python expression adding to the open tarfile `t`.
func makeArchive(at archive: URL, members: [String]) async throws {
    let body = members.map { "    " + $0 }.joined(separator: "\n")
    try await python("""
    import tarfile, io
    def f(t, name, data=b'x'):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    def d(t, name):
        i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
    def l(t, name, target):
        i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
    def h(t, name, target):
        i = tarfile.TarInfo(name); i.type = tarfile.LNKTYPE; i.linkname = target; t.addfile(i)
    def special(t, name, kind):
        i = tarfile.TarInfo(name); i.type = kind; i.devmajor = 1; i.devminor = 3; t.addfile(i)
    with tarfile.open('\(archive.path)', 'w:gz') as t:
    \(body)
    """)
}
