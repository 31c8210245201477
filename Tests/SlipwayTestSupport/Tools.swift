import Foundation

/// External programs the tests drive (docker-registry, podman, openssl, htpasswd, tar...).
package enum Tools {
    /// The program's path, or an error saying how to install it: tests that need a real
    /// component fail with the fix rather than skip.
    package static func require(_ name: String, package: String) throws -> URL {
        if name == "podman" { try UnitSuite.refuse("podman") }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw TestFailure("`\(name)` is not installed: these tests need it. Install it with `apt-get install -y \(package)` (bash scripts/setup.sh does)")
    }

    /// Runs a program (a path, or a name looked up on PATH) to its end and returns its
    /// output (stdout and stderr together); throws with that output when it exits non-zero.
    @discardableResult
    package static func run(_ program: String, _ arguments: [String], currentDirectory: URL? = nil) throws -> String {
        let url = program.contains("/") ? URL(fileURLWithPath: program) : try require(program, package: program)
        return try run(url, arguments, currentDirectory: currentDirectory)
    }

    @discardableResult
    package static func run(_ program: URL, _ arguments: [String], currentDirectory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        // A file, not a pipe: a chatty program cannot fill a pipe buffer and block while we wait.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-test-run-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw TestFailure("`\(program.lastPathComponent) \(arguments.joined(separator: " "))` exited with \(process.terminationStatus): \(text.suffix(3000))")
        }
        return text
    }
}
