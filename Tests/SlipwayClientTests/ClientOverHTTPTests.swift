import Commands
import Foundation
import SlipwayCore
import Testing
@testable import SlipwayClient

/// The client over real HTTP, against `FakeServer` and against a port where nothing listens.
@Suite(.serialized)
struct ClientOverHTTPTests {
    @Test func unreachableServerSaysHowToStartIt() async throws {
        let port = try closedPort()
        let configuration = SlipwayClient.Configuration(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: .seconds(60))
        let started = ContinuousClock.now
        let error = await #expect(throws: SlipwayError.self) {
            try await SlipwayClient.withClient(configuration) { try await $0.apps() }
        }
        #expect(error?.code == "unreachable")
        #expect(error?.message == "the Slipway server at http://127.0.0.1:\(port) is not reachable (connection refused); start it with `slipway server`, or point the CLI at it with --server URL or SLIPWAY_SERVER")
        // No retrying until the 60 s deadline: a missing server is reported at once (well under
        // it even on a loaded machine; this is not a performance bound).
        #expect(started.duration(to: .now) < .seconds(30))
    }

    @Test func tokenIsSentAndErrorsAreTyped() async throws {
        let server = try await FakeServer.start()
        let withToken = SlipwayClient.Configuration(baseURL: server.baseURL, token: "s3cret")
        let list = try await SlipwayClient.withClient(withToken) { try await $0.apps() }
        #expect(list.apps.isEmpty)

        let without = SlipwayClient.Configuration(baseURL: server.baseURL)
        let error = await #expect(throws: SlipwayError.self) {
            try await SlipwayClient.withClient(without) { try await $0.apps() }
        }
        #expect(error == SlipwayError(code: "unauthorized", message: "missing or wrong API token", httpStatus: 401))

        let missing = await #expect(throws: SlipwayError.self) {
            try await SlipwayClient.withClient(without) { try await $0.app(try DNSLabel("missing")) }
        }
        #expect(missing?.httpStatus == 404)
        #expect(missing?.message == "app \"missing\" does not exist")
    }

    @Test func uploadStreamsTheFileUnchanged() async throws {
        let server = try await FakeServer.start()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-upload-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        // Larger than one chunk, not a multiple of it.
        let bytes = Data((0..<(700 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: file)
        let trace = try await SlipwayClient.withClient(.init(baseURL: server.baseURL)) {
            try await $0.deploy(app: try DNSLabel("web"), archive: file)
        }
        let expected = try await sha256Hex(of: file)
        #expect(trace.traceId == "upload-\(bytes.count)-\(expected)")
    }

    @Test func gitDeployStatusLogDestroyHealth() async throws {
        let server = try await FakeServer.start()
        try await SlipwayClient.withClient(.init(baseURL: server.baseURL)) { client in
            let web = try DNSLabel("web")
            let trace = try await client.deploy(app: web, source: "https://example.com/web.git", ref: "main")
            #expect(trace.traceId == "git-https://example.com/web.git-main")

            let view = try await client.deployStatus(traceId: "t1")
            #expect(view.status == .completed)
            #expect(view.release == 3)

            var lines: [String] = []
            for try await line in try await client.deployLog(traceId: "t1") { lines.append(line) }
            #expect(lines == ["Step 1/2 : FROM busybox", "Step 2/2 : RUN true", "Successfully built", "no newline"])

            let unknown = await #expect(throws: SlipwayError.self) { _ = try await client.deployLog(traceId: "unknown") }
            #expect(unknown?.code == "not_found")

            #expect(try await client.destroy(app: web) == DestroyResult(app: "web", destroyed: true))
            try await client.health()
        }
    }
}

/// sha256 via the system's sha256sum, to check the fake server's digest without a crypto dependency.
func sha256Hex(of file: URL) async throws -> String {
    let result = try await Command("sha256sum", [file.path], timeout: .seconds(60)).runChecked()
    return String(result.standardOutput.prefix(64))
}
