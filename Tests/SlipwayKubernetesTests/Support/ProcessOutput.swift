import Foundation

/// Runs a program to completion, capturing its output (tests only: the outputs are small).
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String

    static func run(_ executable: String, _ arguments: [String], currentDirectory: URL? = nil) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let out = try FileHandle(forWritingTo: outFile)
        let err = try FileHandle(forWritingTo: errFile)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ProcessOutput(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// A temporary directory, removed by the caller.
    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// `kubernetes-validate` (PyPI), installed in /opt/slipway-py by scripts/setup.sh.
enum KubernetesValidate {
    static let versions = ["1.30.0", "1.31.0", "1.32.0", "1.33.0"]

    static var path: String {
        ProcessInfo.processInfo.environment["KUBERNETES_VALIDATE"] ?? "/opt/slipway-py/bin/kubernetes-validate"
    }

    static var missingMessage: String? {
        FileManager.default.isExecutableFile(atPath: path) ? nil
            : "kubernetes-validate is not installed at \(path): run `bash scripts/setup.sh` (it makes the /opt/slipway-py venv), or set KUBERNETES_VALIDATE to the tool's path"
    }

    /// Validates `files` strictly against Kubernetes `version`.
    static func run(version: String, files: [URL]) throws -> ProcessOutput {
        try ProcessOutput.run(path, ["--strict", "-k", version] + files.map(\.path))
    }
}
