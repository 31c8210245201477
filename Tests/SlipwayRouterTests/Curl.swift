import Commands
import Foundation

/// The real curl as a client (TLS with SNI and a private CA, HTTP/2 by ALPN): what a user's tools
/// see. Runs to its end through `Command`, without blocking a thread.
struct Curl {
    struct Result {
        var exitCode: Int32
        /// The last response's status (0 when none came).
        var status: Int
        /// The last response's headers, names lowercased.
        var headers: [String: String]
        var body: String
        var stderr: String
        /// "1.1" or "2".
        var httpVersion: String
        /// Body bytes received (of all responses).
        var sizeDownload: Int
    }

    /// `curl ARGS URL` with a timeout; the response head and body are read from files curl writes.
    /// `stdin`: a file curl reads as its standard input (`-T -` uploads it with no length known).
    static func run(_ arguments: [String], timeout: Int = 20, stdin: URL? = nil) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let headers = directory.appendingPathComponent("headers").path
        let body = directory.appendingPathComponent("body").path
        let input = try stdin.map { [UInt8](try Data(contentsOf: $0)) }
        // curl's own --max-time ends it first; the command's timeout is the backstop.
        let run = try await Command("/usr/bin/curl",
            ["-sS", "--max-time", String(timeout), "-D", headers, "-o", body, "-w", "%{http_code} %{http_version} %{size_download}"] + arguments,
            input: input, timeout: .seconds(timeout + 10)).run()
        let written = run.standardOutput.split(separator: " ")
        var parsed: [String: String] = [:]
        let headText = (try? String(contentsOfFile: headers, encoding: .utf8)) ?? ""
        // With redirects or 1xx there are several heads: keep the last.
        for line in headText.components(separatedBy: "\r\n") {
            if line.hasPrefix("HTTP/") { parsed = [:]; continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Result(
            exitCode: run.exitStatus ?? -1, status: written.first.flatMap { Int($0) } ?? 0, headers: parsed,
            body: (try? String(contentsOfFile: body, encoding: .utf8)) ?? "",
            stderr: run.standardError,
            httpVersion: written.count > 1 ? String(written[1]) : "",
            sizeDownload: written.count > 2 ? Int(written[2]) ?? 0 : 0)
    }
}
