import Foundation
import Hummingbird
import HummingbirdTesting
import SlipwayCore
import SlipwayServer
import SourceArchive
import Testing

/// An answer of the API as a client sees it.
struct Answer: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String

    /// The error code of a `{"error": {"code", "message"}}` answer.
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try Timestamp.decoder().decode(type, from: Data(body.utf8))
    }
}

extension InProcessServer {
    /// Sends a request with the server's headers (`extra` replaces those of the same name); a
    /// `body` string is sent as JSON, `bytes` as they are.
    func request(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, bytes: ByteBuffer? = nil,
                 headers extra: HTTPFields = [:]) async throws -> Answer {
        var fields = headers
        if body != nil { fields[.contentType] = "application/json" }
        for field in extra { fields[field.name] = field.value }
        let response = try await client.execute(uri: path, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) } ?? bytes)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
    }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> Answer {
        try await request(.get, path, headers: headers)
    }

    /// Deploys `files` as `app` as the CLI does (a .tar.gz upload) and waits for the end.
    @discardableResult
    func deploy(_ app: String, files: [String: String] = SourceTree.web) async throws -> DeployView {
        let traceId = try await queueDeploy(app, files: files)
        return try await waitForDeploy(traceId)
    }

    /// Queues a deploy of `files` as `app` and returns its trace id without waiting.
    func queueDeploy(_ app: String, files: [String: String] = SourceTree.web) async throws -> String {
        try await upload(app, await SourceTree.archive(files, under: configuration.dataDirectory))
    }

    /// Queues a deploy of an uploaded archive (any bytes) and returns its trace id.
    func upload(_ app: String, _ archive: Data) async throws -> String {
        let answer = try await request(.post, "/v1/apps/\(app)/deploys", bytes: ByteBuffer(bytes: archive),
                                       headers: [.contentType: "application/gzip"])
        try #require(answer.status == 202, "deploy of \(app) answered \(answer.status): \(answer.body)")
        return try answer.decode(TraceResponse.self).traceId
    }

    /// Polls until the deploy ends (30 s at most: the whole unit suite shares 2 cores in CI).
    func waitForDeploy(_ traceId: String) async throws -> DeployView {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let view = try await get("/v1/deploys/\(traceId)").decode(DeployView.self)
            if view.status != .inProgress { return view }
            if ContinuousClock.now > deadline { throw TestTimeout("deploy \(traceId) still in progress: \(view.stages.map { "\($0.name)=\($0.status.rawValue)" })") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Polls until `condition` holds (20 s at most: the whole unit suite shares 2 cores in CI).
    func eventually(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while try await !condition() {
            if ContinuousClock.now > deadline { throw TestTimeout(what) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Queues a release without a build (rollback, config change, scale...) and waits for it.
    func change(_ method: HTTPRequest.Method, _ path: String, body: String?) async throws -> DeployView {
        let answer = try await request(method, path, body: body)
        try #require(answer.status == 202, "\(method) \(path) answered \(answer.status): \(answer.body)")
        return try await waitForDeploy(try answer.decode(TraceResponse.self).traceId)
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = "timed out: \(description)" }
}

/// Source trees to deploy, as files by path.
enum SourceTree {
    /// One `web` service from a Dockerfile.
    static let web = ["Dockerfile": "FROM busybox\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]\n"]

    /// `web` and `worker` with a release command, from a manifest.
    static let withRelease = web.merging(["slipway.yaml": """
        release: {command: [migrate]}
        services:
          web:
            port: 8080
            replicas: 2
          worker:
            command: ["sleep", "1000"]
        """]) { $1 }

    /// `files` as a .tar.gz, made as the CLI makes its uploads.
    static func archive(_ files: [String: String], under root: URL) async throws -> Data {
        let directory = root.appendingPathComponent("sources").appendingPathComponent(UUID().uuidString)
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let archive = directory.appendingPathExtension("tar.gz")
        defer { try? FileManager.default.removeItem(at: directory); try? FileManager.default.removeItem(at: archive) }
        try await SourceArchive.createTarGz(of: directory, to: archive)
        return try Data(contentsOf: archive)
    }
}
