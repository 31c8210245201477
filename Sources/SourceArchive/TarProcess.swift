import Foundation

/// Runs the system `tar`. The archive format itself is left to tar, which is on every machine
/// Slipway runs on and handles every corner of the format (long names, pax headers, sparse files);
/// this module only decides what goes in and what is allowed out.
enum TarProcess {
    static func executable() -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("tar")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return URL(fileURLWithPath: "/usr/bin/tar")
    }

    /// Runs tar with `arguments`; returns its standard output, throws with its standard error on failure.
    @discardableResult
    static func run(_ arguments: [String], action: String) throws -> Data {
        let process = Process()
        process.executableURL = executable()
        process.arguments = arguments
        // The C locale keeps listing output ("link to", quoting of non-ASCII bytes) stable to parse.
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        process.environment = environment
        let stdout = Pipe()
        // stderr goes to a file, not a second pipe: reading one pipe to its end while the other
        // fills up would deadlock.
        let stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-tar-\(UUID().uuidString).err")
        guard FileManager.default.createFile(atPath: stderrURL.path, contents: nil),
              let stderrHandle = try? FileHandle(forWritingTo: stderrURL) else {
            throw SourceArchiveError("cannot create a temporary file in \(FileManager.default.temporaryDirectory.path); check that it exists and is writable")
        }
        defer {
            try? stderrHandle.close()
            try? FileManager.default.removeItem(at: stderrURL)
        }
        process.standardOutput = stdout
        process.standardError = stderrHandle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SourceArchiveError("cannot run \(process.executableURL?.path ?? "tar"): \(error.localizedDescription); install GNU tar")
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw SourceArchiveError.tarFailed(action, status: process.terminationStatus, stderr: message)
        }
        return output
    }
}
