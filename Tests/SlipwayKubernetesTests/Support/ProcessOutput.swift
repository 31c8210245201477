import Commands
import Foundation

/// Runs a program to completion, capturing its output (tests only: the outputs are small).
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String

    static func run(_ executable: String, _ arguments: [String], currentDirectory: URL? = nil) async throws -> ProcessOutput {
        let result = try await Command(executable, arguments, workingDirectory: currentDirectory?.path, timeout: .seconds(300),
                                       outputLimit: 64 * 1024 * 1024).run()
        return ProcessOutput(status: result.exitStatus ?? -1, stdout: result.standardOutput, stderr: result.standardError)
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
    static func run(version: String, files: [URL]) async throws -> ProcessOutput {
        try await ProcessOutput.run(path, ["--strict", "-k", version] + files.map(\.path))
    }
}
