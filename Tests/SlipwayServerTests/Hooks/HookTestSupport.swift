import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SlipwayCore
import SlipwayStore
import SlipwayTestSupport
import Testing

/// A real git repository (git init, commits) in a folder the in-process server may clone from
/// (`--allow-source-dir`), for webhook tests whose deploys fetch real commits.
struct LocalRepository: Sendable {
    let directory: URL
    var url: String { "file://\(directory.path)" }

    static let files = ["Dockerfile": "FROM busybox\nEXPOSE 8080\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\"]\n"]

    init(under root: URL) async throws {
        directory = root.appendingPathComponent("repos").appendingPathComponent("shop-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await git("init", "--quiet", "--initial-branch=main")
        _ = try await commit(["README": "one"])
    }

    /// Commits `files` (with the Dockerfile) on the current branch; returns the commit id.
    func commit(_ files: [String: String]) async throws -> String {
        for (path, text) in Self.files.merging(files, uniquingKeysWith: { $1 }) {
            try text.write(to: directory.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        try await git("add", "-A")
        try await git("-c", "user.email=test@slipway.invalid", "-c", "user.name=Test", "commit", "--quiet", "-m", "change")
        return try await git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    func git(_ arguments: String...) async throws -> String {
        try await Tools.run("git", ["-C", directory.path] + arguments)
    }
}

extension InProcessServer {
    /// Connects `app` to `repo` (as `slipway git connect` does) and returns the webhook secret.
    func connect(_ app: String, repo: String, forge: Forge, branch: String = "main") async throws -> String {
        let answer = try await request(.put, "/v1/apps/\(app)/git/connection",
                                       body: #"{"repo": "\#(repo)", "branch": "\#(branch)", "forge": "\#(forge.rawValue)"}"#)
        try #require(answer.status == 201, "connect answered \(answer.status): \(answer.body)")
        return try #require(try answer.decode(GitConnectionView.self).secret)
    }

    /// Sends a delivery to `/hooks/APP` as the forge would: no API token.
    func deliver(_ delivery: ForgeDelivery, to app: String) async throws -> Answer {
        var fields = HTTPFields()
        for (name, value) in delivery.headers { if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) } }
        let response = try await client.execute(uri: "/hooks/\(app)", method: .post, headers: fields, body: ByteBuffer(bytes: delivery.body))
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
    }

    /// Polls the deploy until it ends: a git deploy clones for real, which takes seconds when every core is busy.
    func waitForGitDeploy(_ traceId: String) async throws -> DeployView {
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            let view = try await get("/v1/deploys/\(traceId)").decode(DeployView.self)
            if view.status != .inProgress { return view }
            if ContinuousClock.now > deadline { throw TestTimeout("deploy \(traceId) still in progress: \(view.stages.map { "\($0.name)=\($0.status.rawValue)" })") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func deployCount(_ app: String) throws -> Int { try store.deploys(app: DNSLabel(app)).count }
}
