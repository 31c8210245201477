import Crypto
import Foundation
import Hummingbird
import NIOHTTP1
import SlipwayCore
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport
import TestPorts
import Testing

/// Notifications out (`slipway notify`): the in-process server posts its events to a real HTTP
/// receiver on loopback (`ScriptedServer`, which records every request it gets).
@Suite("Notifications", .serialized)
struct NotificationTests {
    /// Short retries, so a test sees several attempts in well under a second.
    static let quickRetries: @Sendable (inout ServerConfiguration) -> Void = {
        $0.notifications.firstRetry = .milliseconds(40)
        $0.notifications.maximumRetry = .milliseconds(200)
    }

    /// Runs `body` with a receiver that answers `script`, then stops it.
    static func withReceiver(_ script: [ScriptedServer.Response], _ body: (ScriptedServer) async throws -> Void) async throws {
        let receiver = try await ScriptedServer()
        for response in script { receiver.script(response) }
        do {
            try await body(receiver)
        } catch {
            try? await receiver.stop()
            throw error
        }
        try await receiver.stop()
    }

    static func add(_ server: InProcessServer, _ body: String) async throws -> NotificationCreated {
        let answer = try await server.request(.post, "/v1/notifications", body: body)
        try #require(answer.status == 201, "\(answer.status) \(answer.body)")
        return try answer.decode(NotificationCreated.self)
    }

    /// Whether the request's X-Slipway-Signature is the HMAC-SHA256 of its body under `secret`.
    static func verifies(_ request: ScriptedServer.Request, secret: String) -> Bool {
        guard let header = request.header("X-Slipway-Signature"), header.hasPrefix("sha256=") else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Data(secret.utf8)))
        return header == "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    @Test("each event reaches the receiver as one POST whose signature verifies; json and slack formats; only the events asked for")
    func signedDeliveries() async throws {
        try await Self.withReceiver([.ok("{}"), .ok("{}"), .ok("{}"), .ok("ok")]) { receiver in
            try await InProcessServer.with(configure: Self.quickRetries) { server in
                let all = try await Self.add(server, #"{"url": "\#(receiver.url)/all"}"#)
                _ = try await server.deploy("notes-a")
                // Added once the app exists; it wants failures only, so the first deploy's events do not reach it.
                let slack = try await Self.add(server, #"{"app": "notes-a", "url": "\#(receiver.url)/slack", "events": ["deploy.failed"], "format": "slack"}"#)
                #expect(all.target.events == NotificationEvent.allCases && all.target.app == nil && all.secret.count == 64)
                // The secret is shown once: never in the list.
                let listed = try await server.get("/v1/notifications")
                #expect(!listed.body.contains(all.secret) && !listed.body.contains(slack.secret))
                #expect(Set(try listed.decode(NotificationList.self).targets.map(\.id)) == [all.target.id, slack.target.id])

                _ = try await server.deploy("notes-a")
                await server.engine.fail(.build, app: "notes-a", message: "the build broke on purpose")
                #expect(try await server.deploy("notes-a").status == .error)
                try await server.eventually("four deliveries") { receiver.requests.count >= 4 }
                try await Task.sleep(for: .milliseconds(200))  // nothing more may come
                let requests = receiver.requests
                #expect(requests.count == 4, "\(requests.map { "\($0.method) \($0.uri)" })")
                let toAll = requests.filter { $0.path == "/all" }
                #expect(toAll.map { $0.header("X-Slipway-Event") ?? "" }.sorted() == ["deploy.completed", "deploy.completed", "deploy.failed"])
                for request in toAll {
                    #expect(request.method == "POST" && Self.verifies(request, secret: all.secret))
                    #expect(!Self.verifies(request, secret: slack.secret))
                    let body = try Timestamp.decoder().decode(NotificationMessage.JSONBody.self, from: Data(request.body))
                    #expect(body.app == "notes-a" && body.event == request.header("X-Slipway-Event"))
                }
                let failure = try #require(requests.first { $0.path == "/slack" })
                #expect(Self.verifies(failure, secret: slack.secret) && failure.header("X-Slipway-Event") == "deploy.failed")
                let text = try JSONDecoder().decode(NotificationMessage.SlackBody.self, from: Data(failure.body)).text
                #expect(text.contains("notes-a") && text.contains("deploy failed") && text.contains("the build broke on purpose"), "\(text)")

                let log = try await server.get("/v1/notifications/log?app=notes-a").decode(NotificationLog.self)
                #expect(log.deliveries.count == 4 && log.deliveries.allSatisfy { $0.state == .delivered && $0.attempts == 1 && $0.lastStatus == 200 })
            }
        }
    }

    @Test("a receiver that fails five times gets the same signed delivery six times, backing off; the log shows the attempts")
    func retriesWithBackoff() async throws {
        let failing = ScriptedServer.Response.json(.serviceUnavailable, #"{"busy": true}"#)
        try await Self.withReceiver([failing, failing, failing, failing, failing, .ok("{}")]) { receiver in
            try await InProcessServer.with(configure: Self.quickRetries) { server in
                let target = try await Self.add(server, #"{"url": "\#(receiver.url)/hook", "events": ["deploy.completed"]}"#)
                _ = try await server.deploy("notes-b")
                try await server.eventually("six attempts") { receiver.requests.count >= 6 }
                let requests = receiver.requests
                #expect(Set(requests.map { $0.header("X-Slipway-Delivery") ?? "" }).count == 1)
                #expect(Set(requests.map(\.body)).count == 1 && requests.allSatisfy { Self.verifies($0, secret: target.secret) })
                try await server.eventually("the log says delivered") {
                    try await server.get("/v1/notifications/log").decode(NotificationLog.self).deliveries.first?.state == .delivered
                }
                let delivery = try #require(try await server.get("/v1/notifications/log").decode(NotificationLog.self).deliveries.first)
                #expect(delivery.attempts == 6 && delivery.lastStatus == 200 && delivery.lastError == nil && delivery.deliveredAt != nil)
            }
        }
    }

    @Test("a receiver that never answers: retried until the give-up time, then the log says failed with the reason")
    func givesUp() async throws {
        let closedPort = try TestPorts.next()  // nobody listens there
        try await InProcessServer.with(configure: {
            Self.quickRetries(&$0)
            $0.notifications.giveUpAfter = .milliseconds(500)
        }) { server in
            _ = try await Self.add(server, #"{"url": "http://127.0.0.1:\#(closedPort)/hook", "events": ["deploy.completed"]}"#)
            _ = try await server.deploy("notes-c")
            try await server.eventually("the delivery is given up") {
                try await server.get("/v1/notifications/log").decode(NotificationLog.self).deliveries.first?.state == .failed
            }
            let delivery = try #require(try await server.get("/v1/notifications/log").decode(NotificationLog.self).deliveries.first)
            #expect(delivery.attempts >= 3 && delivery.lastStatus == nil && delivery.lastError?.contains("cannot reach") == true, "\(delivery)")
            #expect(delivery.nextAttempt == nil)
        }
    }

    @Test("pending deliveries survive a restart: a second server over the same store sends them")
    func survivesRestart() async throws {
        try await Self.withReceiver([]) { receiver in
            let store = try SlipwayStore.inMemory()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-notify-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            receiver.script(.json(.badGateway, "{}"))
            try await InProcessServer.with(store: store, dataDirectory: directory, configure: {
                $0.notifications.firstRetry = .seconds(1)
            }) { server in
                _ = try await Self.add(server, #"{"url": "\#(receiver.url)/hook", "events": ["deploy.completed"]}"#)
                _ = try await server.deploy("notes-d")
                try await server.eventually("the first attempt") { receiver.requests.count == 1 }
            }
            receiver.script(.ok("{}"))
            try await InProcessServer.with(store: store, dataDirectory: directory) { server in
                try await server.eventually("delivered after the restart") {
                    try await server.get("/v1/notifications/log").decode(NotificationLog.self).deliveries.first?.state == .delivered
                }
            }
            #expect(receiver.requests.count == 2)
        }
    }

    static let hostileURLs: [(url: String, status: Int)] = [
        ("file:///etc/passwd", 400), ("gopher://127.0.0.1:6379/_FLUSHALL", 400), ("ftp://example.com/x", 400), ("javascript:alert(1)", 400),
        ("http:///no-host", 400), ("http://example.com/a\\nX-Injected: 1", 400), ("https://example.com/" + String(repeating: "a", count: 2100), 400),
        ("http://169.254.169.254/latest/meta-data/", 403), ("http://[fe80::1]/", 403), ("http://metadata.google.internal/computeMetadata/v1/", 403),
        ("http://2852039166/", 403), ("http://0xa9fea9fe/", 403), ("http://[::ffff:169.254.169.254]/", 403), ("http://100.100.100.200/", 403),
    ]

    @Test("hostile URLs are refused with what was wrong, and nothing is stored", arguments: hostileURLs)
    func hostileURLsRefused(url: String, status: Int) async throws {
        try await InProcessServer.with { server in
            let answer = try await server.request(.post, "/v1/notifications", body: #"{"url": "\#(url)"}"#)
            #expect(answer.status == status, "\(url): \(answer.status) \(answer.body)")
            #expect(answer.errorMessage?.isEmpty == false)
            if status == 403 { #expect(answer.errorMessage?.contains("--allow-notify-host") == true) }
            #expect(try await server.get("/v1/notifications").decode(NotificationList.self).targets.isEmpty)
        }
    }

    @Test("--allow-notify-host lets a named metadata-looking host through; bad events, formats and apps are refused")
    func allowedHostAndBadFields() async throws {
        try await InProcessServer.with(configure: { $0.allowedNotifyHosts = ["169.254.10.10"] }) { server in
            #expect(try await server.request(.post, "/v1/notifications", body: #"{"url": "http://169.254.10.10/hook"}"#).status == 201)
            let event = try await server.request(.post, "/v1/notifications", body: #"{"url": "https://h.example/", "events": ["deploy.exploded"]}"#)
            #expect(event.status == 400 && event.errorMessage?.contains("deploy.completed") == true)
            #expect(try await server.request(.post, "/v1/notifications", body: #"{"url": "https://h.example/", "format": "xml"}"#).status == 400)
            #expect(try await server.request(.post, "/v1/notifications", body: #"{"url": "https://h.example/", "events": []}"#).status == 400)
            #expect(try await server.request(.post, "/v1/notifications", body: #"{"app": "nope", "url": "https://h.example/"}"#).status == 404)
            #expect(try await server.get("/v1/notifications").decode(NotificationList.self).targets.count == 1)
            #expect(try await server.request(.delete, "/v1/notifications/ntf_not-an-id").status == 404)
        }
    }

    @Test("listings show a target's URL redacted to scheme, host and port (a Slack token in the path stays hidden); only its creation answers it whole")
    func urlsRedactedInListings() async throws {
        try await InProcessServer.with(configure: { $0.allowedNotifyHosts = ["hooks.slack.com"] }) { server in
            let slackURL = "https://hooks.slack.com/services/T000/B000/XXXXsecrettokenXXXX"
            let created = try await Self.add(server, #"{"url": "\#(slackURL)", "format": "slack"}"#)
            #expect(created.target.url == slackURL, "whole in the answer to its creation")
            let withUser = try await Self.add(server, #"{"url": "http://user:pw@127.0.0.1:9/hook?token=abc#frag"}"#)
            #expect(withUser.target.url.contains("token=abc"))
            let listed = try await server.get("/v1/notifications")
            #expect(!listed.body.contains("secrettoken") && !listed.body.contains("T000") && !listed.body.contains("token=abc")
                    && !listed.body.contains("user:pw"), "\(listed.body)")
            let urls = Set(try listed.decode(NotificationList.self).targets.map(\.url))
            #expect(urls == ["https://hooks.slack.com/…", "http://127.0.0.1:9/…"], "\(urls)")
        }
        #expect(NotificationTarget.redact("https://example.com") == "https://example.com/")
        #expect(NotificationTarget.redact("https://[::1]:8443/x") == "https://[::1]:8443/…")
        #expect(NotificationTarget.redact("not a url") == "…")
    }

    @Test("a failed cron run is a cron.failed notification, signed, with the job and exit code")
    func cronFailedNotifies() async throws {
        try await Self.withReceiver([.ok("{}")]) { receiver in
            try await InProcessServer.with(configure: Self.quickRetries) { server in
                await server.engine.script("boom", output: ["going down"], exitCode: 4)
                try await server.deploy("notes-cron", files: SourceTree.web.merging(["slipway.yaml": """
                    services: {web: {port: 8080}}
                    cron:
                      boom: {schedule: "0 3 * * *", command: [boom], timezone: UTC}
                    """]) { $1 })
                let target = try await Self.add(server, #"{"app": "notes-cron", "url": "\#(receiver.url)/cron", "events": ["cron.failed"]}"#)
                #expect(try await server.request(.post, "/v1/apps/notes-cron/cron/boom/run").status == 202)
                try await server.eventually("the cron.failed delivery") { receiver.requests.count >= 1 }
                let request = try #require(receiver.requests.first)
                #expect(request.header("X-Slipway-Event") == "cron.failed" && Self.verifies(request, secret: target.secret))
                let body = try Timestamp.decoder().decode(NotificationMessage.JSONBody.self, from: Data(request.body))
                #expect(body.app == "notes-cron" && body.event == "cron.failed")
                #expect(body.message.contains("cron job boom") && body.message.contains("exited with code 4"), "\(body.message)")
            }
        }
        var mapper = NotificationEventMapper()
        #expect(mapper.notification(for: AppEvent(app: "a", kind: .cronFailed, message: "cron job x failed")) == .cronFailed)
        let slack = NotificationMessage.slackText(AppEvent(app: "a<b", kind: .cronFailed, message: "cron job x failed"), kind: .cronFailed, appURL: nil)
        #expect(slack.contains("scheduled job failed") && slack.contains("a&lt;b"))
    }

    @Test("a crash becomes replica.crashloop on the third within ten minutes, once per loop")
    func crashLoopMapping() {
        var mapper = NotificationEventMapper()
        let start = Date()
        let crash = { (seconds: TimeInterval) in
            AppEvent(time: start.addingTimeInterval(seconds), app: "shop", kind: .replicaCrashed, message: "web.1 exited with code 1", replica: "web.1")
        }
        #expect([0, 10, 20, 30, 40].map { mapper.notification(for: crash($0)) } == [nil, nil, .replicaCrashloop, nil, nil])
        #expect([700, 710, 720].map { mapper.notification(for: crash($0)) } == [nil, nil, .replicaCrashloop])  // a new loop, ten minutes on
        #expect(mapper.notification(for: AppEvent(time: start, app: "shop", kind: .deployStarted, message: "")) == nil)
    }
}
