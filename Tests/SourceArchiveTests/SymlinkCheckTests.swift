import Foundation
import Testing
@testable import SourceArchive

/// `checkSymlinksStayInside` on real trees, as the server runs it after a git clone.
struct SymlinkCheckTests {
    @Test func insideLinksPass() throws {
        let tree = try TempDir()
        try tree.write("lib/real.txt")
        try tree.symlink("lib/alias", to: "real.txt")
        try tree.symlink("abs", to: tree.path("lib/real.txt").path)
        try tree.symlink("dangling", to: "missing/file")
        try SourceArchive.checkSymlinksStayInside(tree.url)
    }

    @Test(arguments: [
        ("passwd", "/etc/passwd"),
        ("up", "../outside"),
        ("deep/up", "../../outside"),
    ])
    func escapingLinkIsNamed(_ link: String, _ target: String) throws {
        let tree = try TempDir()
        try tree.mkdir("deep")
        try tree.symlink(link, to: target)
        let error = #expect(throws: SourceArchiveError.self) { try SourceArchive.checkSymlinksStayInside(tree.url) }
        #expect(error?.message.contains("\"\(link)\" -> \"\(target)\" points outside") == true, "\(error?.message ?? "")")
    }

    @Test func transitiveEscapeIsCaught() throws {
        let tree = try TempDir()
        try tree.mkdir("sub")
        try tree.symlink("sub/up", to: "..")          // inside on its own: sub/.. is the root
        try tree.symlink("escape", to: "sub/up/..")   // root/.. is outside
        let error = #expect(throws: SourceArchiveError.self) { try SourceArchive.checkSymlinksStayInside(tree.url) }
        #expect(error?.message.contains("\"escape\"") == true)
    }

    @Test func linksAreNotFollowedDuringTheWalk() throws {
        let tree = try TempDir()
        try tree.mkdir("a")
        try tree.symlink("a/loop", to: "..")
        try SourceArchive.checkSymlinksStayInside(tree.url)
    }
}
