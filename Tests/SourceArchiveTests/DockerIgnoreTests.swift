import Foundation
import Testing
@testable import SourceArchive

struct DockerIgnoreTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let patterns: String
        let path: String
        let ignored: Bool
        var testDescription: String { "\(patterns.replacingOccurrences(of: "\n", with: " | ")) on \(path)" }
    }

    static let cases: [Case] = [
        // Plain names match at the root only, and everything below a matched directory.
        .init(patterns: "node_modules", path: "node_modules", ignored: true),
        .init(patterns: "node_modules", path: "node_modules/left-pad/index.js", ignored: true),
        .init(patterns: "node_modules", path: "web/node_modules", ignored: false),
        .init(patterns: "/node_modules", path: "node_modules/x", ignored: true),
        .init(patterns: "./node_modules/", path: "node_modules/x", ignored: true),
        // Directory patterns (trailing slash) are cleaned away, as in Docker.
        .init(patterns: "build/", path: "build/out/app.o", ignored: true),
        .init(patterns: "build/", path: "build", ignored: true),
        // * and ? stay within one component.
        .init(patterns: "*.log", path: "debug.log", ignored: true),
        .init(patterns: "*.log", path: "logs/debug.log", ignored: false),
        .init(patterns: "*/*.log", path: "logs/debug.log", ignored: true),
        .init(patterns: "file?.txt", path: "file1.txt", ignored: true),
        .init(patterns: "file?.txt", path: "file10.txt", ignored: false),
        .init(patterns: "file?.txt", path: "file/.txt", ignored: false),
        // ** spans any number of components, zero included.
        .init(patterns: "**/*.log", path: "debug.log", ignored: true),
        .init(patterns: "**/*.log", path: "a/b/c/debug.log", ignored: true),
        .init(patterns: "docs/**", path: "docs/a/b.md", ignored: true),
        .init(patterns: "a/**/z", path: "a/z", ignored: true),
        .init(patterns: "a/**/z", path: "a/b/c/z", ignored: true),
        .init(patterns: "a/**/z", path: "b/a/z", ignored: false),
        // Character classes and escapes.
        .init(patterns: "[abc].txt", path: "b.txt", ignored: true),
        .init(patterns: "[abc].txt", path: "d.txt", ignored: false),
        .init(patterns: "[^abc].txt", path: "d.txt", ignored: true),
        .init(patterns: "\\*.txt", path: "*.txt", ignored: true),
        .init(patterns: "\\*.txt", path: "a.txt", ignored: false),
        // Regex metacharacters are literal.
        .init(patterns: "a.b", path: "axb", ignored: false),
        .init(patterns: "a+(b)", path: "a+(b)", ignored: true),
        // ! exceptions; the last match wins.
        .init(patterns: "*.md\n!README.md", path: "README.md", ignored: false),
        .init(patterns: "*.md\n!README.md", path: "CHANGES.md", ignored: true),
        .init(patterns: "!README.md\n*.md", path: "README.md", ignored: true),
        .init(patterns: "docs\n!docs/keep.md", path: "docs/keep.md", ignored: false),
        .init(patterns: "docs\n!docs/keep.md", path: "docs/other.md", ignored: true),
        .init(patterns: "**\n!src\n!Dockerfile", path: "src/main.swift", ignored: false),
        .init(patterns: "**\n!src\n!Dockerfile", path: "tests/a.swift", ignored: true),
        // Comments, blank lines and surrounding spaces.
        .init(patterns: "# secret\n\n   secret   ", path: "secret", ignored: true),
        .init(patterns: "# secret", path: "# secret", ignored: false),
        .init(patterns: "", path: "anything", ignored: false),
    ]

    @Test(arguments: cases)
    func matching(_ c: Case) {
        #expect(DockerIgnore(text: c.patterns).isIgnored(c.path, isDirectory: false) == c.ignored)
    }

    @Test func cleaningLikeGo() {
        #expect(DockerIgnore.clean("./a//b/") == "a/b")
        #expect(DockerIgnore.clean("a/../b") == "b")
        #expect(DockerIgnore.clean("/a/./b") == "/a/b")
        #expect(DockerIgnore.clean("") == ".")
    }

    @Test func malformedPatternMatchesNothing() {
        let ignore = DockerIgnore(text: "[a\nb")
        #expect(!ignore.isIgnored("[a"))
        #expect(ignore.isIgnored("b"))
    }
}
