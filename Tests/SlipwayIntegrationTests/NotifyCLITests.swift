import Crypto
import Foundation
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// `slipway notify` through the real CLI and server: a real deploy's event reaches a receiver
    /// on loopback (`ScriptedServer`, which records what it gets), signed with the secret
    /// `notify add` printed once.
    @Suite("Notifications through the CLI", .serialized)
    struct NotifyCLITests {
        @Test("notify add prints the secret once, a deploy's event arrives signed with it, notify log shows it delivered, remove stops it; a metadata URL is refused")
        func addDeliverLogRemove() async throws {
            let app = "ntf-\(UUID().uuidString.prefix(6).lowercased())"
            let receiver = try await ScriptedServer()
            receiver.script(.ok("{}"))
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "hello from \(app)", replicas: 1))
            defer { repo.remove() }
            do {
                try await TestServer.with { server in
                    let cli = { (arguments: [String]) in try await runCLI(arguments + ["--server", server.baseURL]) }
                    let added = try await cli(["notify", "add", "\(receiver.url)/hook", "--events", "deploy.completed", "--json"])
                    #expect(added.status == 0, "\(added.output)")
                    let created = try Timestamp.decoder().decode(NotificationCreated.self, from: Data(added.output.utf8))
                    let listed = try await cli(["notify", "--json"])
                    #expect(listed.status == 0 && listed.output.contains(created.target.id) && !listed.output.contains(created.secret))

                    #expect(try await server.deploy(app, source: repo.url).status == .completed)
                    let deadline = ContinuousClock.now + .seconds(20)
                    while receiver.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
                    let request = try #require(receiver.requests.first)
                    let mac = HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Data(created.secret.utf8)))
                    #expect(request.header("X-Slipway-Signature") == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
                    #expect(request.header("X-Slipway-Event") == "deploy.completed" && request.bodyJSON.contains(app))

                    var log = NotificationLog(deliveries: [])
                    let logged = ContinuousClock.now + .seconds(10)
                    repeat {
                        let output = try await cli(["notify", "log", "--json"])
                        log = try Timestamp.decoder().decode(NotificationLog.self, from: Data(output.output.utf8))
                        if log.deliveries.first?.state == .delivered { break }
                        try await Task.sleep(for: .milliseconds(100))
                    } while ContinuousClock.now < logged
                    #expect(log.deliveries.count == 1 && log.deliveries.first?.state == .delivered && log.deliveries.first?.lastStatus == 200)
                    #expect(try await cli(["notify", "log"]).output.contains("delivered"))

                    let metadata = try await cli(["notify", "add", app, "http://169.254.169.254/latest/meta-data/", "--json"])
                    #expect(metadata.status != 0 && metadata.output.contains("--allow-notify-host"), "\(metadata.output)")
                    let removed = try await cli(["notify", "remove", created.target.id, "--json"])
                    #expect(removed.status == 0 && removed.output.contains("\"removed\""), "\(removed.output)")
                    #expect(try await cli(["notify"]).output.contains("no notification targets"))
                    #expect(try await cli(["destroy", app]).status == 0)
                }
            } catch {
                try? await receiver.stop()
                throw error
            }
            try await receiver.stop()
        }
    }
}
