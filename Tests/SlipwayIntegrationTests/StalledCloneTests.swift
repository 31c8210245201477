import Foundation
import NIOCore
import NIOPosix
import SlipwayClient
import SlipwayCore
import Testing
import TestPorts

extension Integration {
    /// git runs beside the API without taking its threads: a clone from a remote that accepts the
    /// connection and never answers must neither stall the server nor outlive `--git-timeout`.
    @Suite("Stalled clone", .serialized)
    struct StalledCloneTests {
        @Test("while two clones hang on a silent remote, /healthz answers within 100 ms, and the clones end with the timeout's message")
        func stalledCloneDoesNotStallTheServer() async throws {
            let remote = try await SilentRemote.start()
            defer { remote.stop() }
            try await TestServer.with(arguments: ["--git-timeout", "4"]) { server in
                let url = "http://127.0.0.1:\(remote.port)/app.git"
                // Two at once: each clone used to take threads of the cooperative pool (2 on this machine).
                let apps = ["stall-\(UUID().uuidString.prefix(6).lowercased())", "stall-\(UUID().uuidString.prefix(6).lowercased())"]
                var traces: [String] = []
                for app in apps { traces.append(try await server.client.deploy(app: try DNSLabel(app), source: url).traceId) }

                // Sample /healthz until both deploys have ended, timing each answer.
                var latencies: [Duration] = []
                let deadline = ContinuousClock.now + .seconds(60)
                var views: [DeployView] = []
                while ContinuousClock.now < deadline {
                    let start = ContinuousClock.now
                    let answer = try await server.get("/healthz")
                    let latency = ContinuousClock.now - start
                    #expect(answer.status == 200)
                    views = try await traces.asyncMap { try await server.client.deployStatus(traceId: $0) }
                    if views.allSatisfy({ $0.status != .inProgress }) { break }
                    latencies.append(latency)
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(remote.connections >= 2, "the clones never reached the silent remote")
                // At 50 ms between samples the 4 s of hanging clones give dozens of samples.
                #expect(latencies.count >= 20, "only \(latencies.count) samples while the clones hung")
                let slowest = latencies.max() ?? .zero
                print("stalled clone: \(latencies.count) /healthz samples, slowest \(slowest)")
                #expect(slowest < .milliseconds(100), "/healthz took \(slowest) while git hung (\(latencies.count) samples)")
                for view in views {
                    #expect(view.status == .error)
                    #expect(view.stages.first { $0.status == .error }?.name == "fetch")
                    #expect((view.error ?? "").contains("timed out after 4 s"), "error was: \(view.error ?? "nil")")
                }
                // The clones (git and its remote helper) were stopped, not left behind.
                #expect(processes(mentioning: url).isEmpty, "still running: \(processes(mentioning: url))")
            }
        }
    }
}

/// Command lines of running processes that contain `text` (from /proc).
func processes(mentioning text: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return line.contains(text) ? "\(pid): \(line)" : nil
    }
}

/// A TCP server on loopback that accepts connections and never sends a byte: a git remote
/// that has stalled (or a firewall that swallows replies), as git sees it.
final class SilentRemote: @unchecked Sendable {
    private let channel: any Channel
    private let accepted: AcceptedChannels
    let port: Int

    var connections: Int { accepted.count }

    private init(channel: any Channel, accepted: AcceptedChannels) {
        self.channel = channel
        self.accepted = accepted
        port = channel.localAddress?.port ?? 0
    }

    static func start() async throws -> SilentRemote {
        let accepted = AcceptedChannels()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                accepted.add(child)
                return child.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: TestPorts.next()).get()
        return SilentRemote(channel: channel, accepted: accepted)
    }

    func stop() {
        channel.close(promise: nil)
        accepted.closeAll()
    }
}

private final class AcceptedChannels: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [any Channel] = []

    var count: Int { lock.withLock { channels.count } }

    func add(_ channel: any Channel) { lock.withLock { channels.append(channel) } }

    func closeAll() {
        for channel in lock.withLock({ channels }) { channel.close(promise: nil) }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
