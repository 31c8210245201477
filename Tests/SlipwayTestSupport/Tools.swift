import Commands
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
    package static func run(_ program: String, _ arguments: [String], currentDirectory: URL? = nil) async throws -> String {
        let path = program.contains("/") ? program : try require(program, package: program).path
        let result = try await Command(path, arguments, workingDirectory: currentDirectory?.path, timeout: .seconds(900),
                                       outputLimit: 64 * 1024 * 1024, combineOutput: true).run()
        guard result.succeeded else {
            throw TestFailure("`\((program as NSString).lastPathComponent) \(arguments.joined(separator: " "))` ended with \(result.statusDescription): \(result.standardOutput.suffix(3000))")
        }
        return result.standardOutput
    }

    @discardableResult
    package static func run(_ program: URL, _ arguments: [String], currentDirectory: URL? = nil) async throws -> String {
        try await run(program.path, arguments, currentDirectory: currentDirectory)
    }

    /// Runs `body`, then `cleanUp` whether it threw or not (an async `defer`: podman rmi after a test).
    package static func withCleanUp<T>(_ body: () async throws -> T, cleanUp: () async -> Void) async throws -> T {
        do {
            let result = try await body()
            await cleanUp()
            return result
        } catch {
            await cleanUp()
            throw error
        }
    }
}
