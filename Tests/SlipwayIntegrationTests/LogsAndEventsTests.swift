import Commands
import DockerAPI
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// App logs (stored, merged, followed) and the event log, against the real engine.
    @Suite("Logs and events", .serialized)
    struct LogsAndEventsTests {
        /// Each replica prints a numbered line every 100 ms naming itself and its release, and serves HTTP.
        static func files(word: String) -> [String: String] {
            [
                "Dockerfile": "FROM busybox\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
                "www/index.html": word,
                "slipway.yaml": """
                    services:
                      web:
                        port: 8080
                        replicas: 2
                        command: "i=0; while true; do echo \\"\(word) $i from $SLIPWAY_REPLICA of $SLIPWAY_RELEASE\\"; i=$((i+1)); sleep 0.1; done & exec httpd -f -p 8080 -h /www"

                    """,
            ]
        }

        /// Waits until `condition` holds for the text so far, polling every 100 ms.
        static func eventually(_ timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }

        @Test("logs merge both replicas in time order with prefixes; -f follows across a redeploy; --since reaches replaced replicas")
        func logs() async throws {
            let repo = try await GitRepository(files: Self.files(word: "tick"))
            defer { repo.remove() }
            try await TestServer.with { server in
                let app = try DNSLabel("chatty")
                try #require(try await server.deploy("chatty", source: repo.url).status == .completed)
                #expect(try await Self.eventually {
                    let lines = try await server.client.logs(app: app).lines
                    return lines.count >= 30 && lines.contains { $0.process == "web.1" } && lines.contains { $0.process == "web.2" }
                }, "lines from both replicas")
                let cli = try await runCLI(["logs", "chatty", "--tail", "20", "--server", server.baseURL])
                #expect(cli.status == 0, "\(cli.output)")
                let printed = cli.output.split(separator: "\n")
                #expect(printed.count == 20)
                let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z web\.[12] \| tick \d+ from web\.[12] of v1$/#
                #expect(printed.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(cli.output)")
                let times = try await server.client.logs(app: app).lines.map(\.time)
                #expect(times == times.sorted(), "time order across replicas")
                let web2 = try await server.client.logs(app: app, .init(process: "web.2")).lines
                #expect(!web2.isEmpty && web2.allSatisfy { $0.process == "web.2" })

                // Follow, then redeploy: the new replicas join the stream.
                let follower = try await LineCollector(TestServer.binary, ["logs", "chatty", "-f", "--server", server.baseURL])
                defer { follower.stop() }
                #expect(try await Self.eventually { follower.text.contains("tick") }, "the follow starts with recent lines")
                try await repo.commit(Self.files(word: "tock"), message: "v2")
                try #require(try await server.deploy("chatty", source: repo.url).status == .completed)
                #expect(try await Self.eventually { follower.text.contains("from web.1 of v2") && follower.text.contains("from web.2 of v2") },
                        "follow continues across the redeploy: \(follower.text.suffix(500))")

                // v1's containers are gone; their lines are still there.
                #expect(try await server.containers(app: "chatty").count == 2)
                let since = try await runCLI(["logs", "chatty", "--since", "10m", "--json", "--server", server.baseURL])
                #expect(since.output.contains("of v1") && since.output.contains("of v2"))
                let decoded = try since.output.split(separator: "\n").map {
                    try Timestamp.decoder().decode(AppLogLine.self, from: Data($0.utf8))
                }
                #expect(decoded.count > 20)
            }
        }

        @Test("the WebSocket at /v1/apps/{app}/logs/ws streams the app's lines as JSON messages")
        func webSocket() async throws {
            let repo = try await GitRepository(files: Self.files(word: "socket"))
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("sockety", source: repo.url).status == .completed)
                let url = server.baseURL.replacingOccurrences(of: "http://", with: "ws://") + "/v1/apps/sockety/logs/ws?tail=3&process=web.2"
                let received = try await withThrowingTaskGroup(of: [String].self) { group in
                    group.addTask {
                        let messages = Messages()
                        let token = try #require(server.token)
                        try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                                                          logger: Logger(label: "test.ws")) { inbound, _, _ in
                            for try await message in inbound.messages(maxSize: 1 << 16) {
                                if case .text(let text) = message, await messages.add(text) == 10 { return }
                            }
                        }
                        return await messages.all
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(20))
                        throw TestFailure("no 10 messages within 20 s")
                    }
                    defer { group.cancelAll() }
                    return try await group.next() ?? []
                }
                let lines = try received.map { try Timestamp.decoder().decode(AppLogLine.self, from: Data($0.utf8)) }
                #expect(lines.count == 10)
                #expect(lines.allSatisfy { $0.process == "web.2" && $0.text.hasPrefix("socket ") }, "\(received)")
                // Without an upgrade, the path explains itself.
                #expect(try await server.get("/v1/apps/nosuchapp/logs/ws").status == 404)
                let plain = try await server.get("/v1/apps/sockety/logs/ws")
                #expect(plain.status == 400)
                #expect(plain.body.contains("WebSocket"))
            }
        }

        @Test("events record the deploy, the release, and a crash with its restart")
        func events() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "eventful", replicas: 1))
            defer { repo.remove() }
            try await TestServer.with { server in
                let app = try DNSLabel("eventful")
                let deploy = try await server.deploy("eventful", source: repo.url)
                try #require(deploy.status == .completed)
                let follower = try await LineCollector(TestServer.binary, ["events", "eventful", "-f", "--server", server.baseURL])
                defer { follower.stop() }
                let container = try #require(try await server.containers(app: "eventful").first)
                try await run("/usr/bin/podman", ["kill", container.id])
                #expect(try await Self.eventually {
                    let kinds = try await server.client.events(app: app).events.map(\.kind)
                    return kinds.contains(.replicaCrashed) && kinds.contains(.replicaRestarted) && kinds.last == .replicaReady
                }, "crash, restart and ready again")
                let events = try await server.client.events(app: app).events
                let kinds = events.map(\.kind)
                for expected: AppEvent.Kind in [.deployStarted, .releaseCreated, .replicaStarted, .replicaReady, .deployCompleted] {
                    #expect(kinds.contains(expected), "\(kinds)")
                }
                let crash = try #require(events.first { $0.kind == .replicaCrashed })
                #expect(crash.replica == "web.1")
                #expect(crash.message.contains("exited with code"))
                #expect(try await Self.eventually { follower.text.contains("replica.crashed") && follower.text.contains("replica.restarted") },
                        "slipway events -f shows them live: \(follower.text)")
                let listed = try await runCLI(["events", "eventful", "--server", server.baseURL])
                #expect(listed.output.contains("deploy.completed"), "\(listed.output)")
            }
        }
    }
}

/// Runs a command in the background and collects its output as it comes (for `-f` commands).
final class LineCollector: Sendable {
    private let process: BackgroundCommand
    private let log: String

    init(_ executable: URL, _ arguments: [String]) async throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-follow-\(UUID().uuidString).log").path
        process = try await BackgroundCommand.start(Command(executable.path, arguments, environment: cliEnvironment(arguments)), log: log)
    }

    /// What it printed so far; still readable after `stop()`.
    var text: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func stop() {
        process.terminate()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: log)
    }
}

/// Messages a WebSocket client received.
actor Messages {
    private(set) var all: [String] = []
    /// Adds one; returns how many there are now.
    func add(_ message: String) -> Int {
        all.append(message)
        return all.count
    }
}
