import Foundation
import SlipwayTestSupport

/// A real git repository in a temporary directory, made from files the test names.
struct GitRepository {
    let directory: URL
    var url: String { "file://\(directory.path)" }

    /// The examples shipped in the repository, e.g. `examples/hello`.
    static func example(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/\(name)")
    }

    /// The hello example's Dockerfile with a page saying `text`: busybox httpd on 8080.
    static func helloFiles(page text: String, replicas: Int = 2, name: String? = nil) -> [String: String] {
        [
            "Dockerfile": "FROM busybox\nCOPY www /www\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
            "www/index.html": text,
            "slipway.yaml": (name.map { "name: \($0)\n" } ?? "") + "services:\n  web:\n    port: 8080\n    replicas: \(replicas)\n",
        ]
    }

    init(files: [String: String]) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-repo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await git("init", "--quiet", "--initial-branch=main")
        try await commit(files, message: "initial")
    }

    /// Copies a directory (an example) into a new repository.
    init(copying source: URL) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-repo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: source, to: directory)
        try await git("init", "--quiet", "--initial-branch=main")
        try await git("add", "-A")
        try await git("-c", "user.email=test@slipway.invalid", "-c", "user.name=Test", "commit", "--quiet", "-m", "initial")
    }

    func commit(_ files: [String: String], message: String) async throws {
        for (path, content) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        try await git("add", "-A")
        try await git("-c", "user.email=test@slipway.invalid", "-c", "user.name=Test", "commit", "--quiet", "-m", message)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    @discardableResult
    func git(_ arguments: String...) async throws -> String {
        let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/git"), ["-C", directory.path] + arguments)
        guard result.status == 0 else { throw TestFailure("git \(arguments.joined(separator: " ")) failed: \(result.output)") }
        return result.output
    }
}
