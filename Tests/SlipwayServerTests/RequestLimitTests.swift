import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayServer
import SlipwayTestSupport
import Testing

/// No client starves the rest (issue 14): over the deploy queue's caps and the API's rate limit
/// the server answers 429 with Retry-After and a reason, and the refused request changes nothing;
/// a deploy's log stops growing at its cap without failing the deploy.
@Suite("Request limits")
struct RequestLimitTests {
    @Test("attack: flooding the deploy queue: past --max-queued-per-app and --max-queued the deploy is refused with 429 and the queue's length; other apps still deploy")
    func queueCaps() async throws {
        try await InProcessServer.with(configure: { $0.limits.queuedPerApp = 2; $0.limits.queued = 3 }) { server in
            let engine = server.engine
            let held = ["alpha", "beta", "gamma"]
            for app in held { await engine.hold(.run, app: app) }
            do {
                try await floodQueue(server)
            } catch {
                // Held rollouts would keep the server from stopping: let them go before failing.
                for app in held { await engine.letGo(.run, app: app) }
                throw error
            }
            for app in held { await engine.letGo(.run, app: app) }
            #expect(try await server.deploy("alpha").status == .completed, "with the queue drained, alpha deploys again")
        }
    }

    private func floodQueue(_ server: InProcessServer) async throws {
        let engine = server.engine
        let running = [try await server.queueDeploy("alpha"), try await server.queueDeploy("beta")]
        try await server.eventually("both workers hold a rollout") {
            let alpha = await engine.isWaiting(at: .run, app: "alpha")
            let beta = await engine.isWaiting(at: .run, app: "beta")
            return alpha && beta
        }
        let waiting = [try await server.queueDeploy("alpha"), try await server.queueDeploy("alpha")]

        let perApp = try await server.request(.post, "/v1/apps/alpha/deploys", bytes: ByteBuffer(bytes: try await SourceTree.archive(SourceTree.web, under: server.configuration.dataDirectory)),
                                              headers: [.contentType: "application/gzip"])
        #expect(perApp.status == 429 && perApp.errorCode == "queue_full", "\(perApp.status) \(perApp.body)")
        #expect(perApp.errorMessage?.contains("alpha already has 2 deploys waiting") == true, "\(perApp.body)")
        #expect(Int(perApp.headers[.retryAfter] ?? "") ?? 0 >= 1)
        let scale = try await server.request(.post, "/v1/apps/alpha/rollback", body: "{}")
        #expect(scale.status == 429 || scale.status == 404, "a release change is a deploy too: \(scale.status)")

        let third = try await server.queueDeploy("gamma")
        let overall = try await server.request(.post, "/v1/apps/delta/deploys", body: #"{"source": "https://git.example.com/delta.git"}"#)
        #expect(overall.status == 429 && overall.errorMessage?.contains("3 deploys waiting") == true, "\(overall.status) \(overall.body)")
        let alphaDeploys = try await server.get("/v1/apps/alpha/deploys").decode([String: [DeployView]].self)["deploys"] ?? []
        #expect(alphaDeploys.count == 3, "a refused deploy was queued")
        #expect(try await server.get("/v1/apps/delta/deploys").status == 404)

        for app in ["alpha", "beta", "gamma"] { await engine.letGo(.run, app: app) }
        for trace in running + waiting + [third] { _ = try await server.waitForDeploy(trace) }
    }

    @Test("attack: a burst of state-changing calls with one token is cut at --api-rate-limit with 429 and Retry-After; the refused call changed nothing, reads still answer")
    func rateLimit() async throws {
        try await InProcessServer.with(configure: { $0.limits.mutatingPerMinute = 8 }) { server in
            // 8 a minute: bursts of 2, then one every 7.5 s.
            #expect(try await server.deploy("demo").status == .completed)
            let first = try await server.request(.patch, "/v1/apps/demo/config", body: #"{"set": {"A": "1"}}"#)
            #expect(first.status == 202, "\(first.body)")
            // The bucket holds at most 2; on a loaded machine the deploy may have taken long enough for
            // one to come back, so send until refused (never more than the burst plus one).
            var accepted = ["A"]
            var refused = try await server.request(.patch, "/v1/apps/demo/config", body: #"{"set": {"B0": "2"}}"#)
            for attempt in 1...2 where refused.status == 202 {
                accepted.append("B\(attempt - 1)")
                refused = try await server.request(.patch, "/v1/apps/demo/config", body: #"{"set": {"B\#(attempt)": "2"}}"#)
            }
            let refusedKey = "B\(accepted.count - 1)"
            #expect(refused.status == 429 && refused.errorCode == "rate_limited", "\(refused.status) \(refused.body)")
            #expect(refused.errorMessage?.contains("--api-rate-limit") == true)
            let retryAfter = Int(refused.headers[.retryAfter] ?? "") ?? 0
            #expect((1...8).contains(retryAfter), "Retry-After: \(retryAfter)")
            _ = try await server.waitForDeploy(try first.decode(TraceResponse.self).traceId)
            let acceptedKeys = accepted
            try await server.eventually("the accepted config changes are released") {
                let values = (try await server.get("/v1/apps/demo/config").json?["config"] as? [String: String]) ?? [:]
                return acceptedKeys.allSatisfy { values[$0] != nil }
            }
            let config = try await server.get("/v1/apps/demo/config")
            #expect(config.status == 200, "reads are not limited")
            let values = (config.json?["config"] as? [String: String]) ?? [:]
            #expect(values["A"] == "1" && values[refusedKey] == nil, "the refused call changed nothing: \(values)")
        }
    }

    @Test("a deploy log past --max-deploy-log-mb keeps the stage lines, drops further output after one marker")
    func deployLogCap() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-logcap-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = try DeployLogs(directory: directory, maxBytes: 4096)
        await logs.append("t", "-----> build")
        for index in 0..<500 { await logs.appendOutput("t", "output line \(index) " + String(repeating: "x", count: 40)) }
        await logs.append("t", "ERROR: the build failed")
        await logs.close("t")
        let text = String(decoding: logs.read("t", from: 0), as: UTF8.self)
        #expect(text.utf8.count < 4096 + 400, "\(text.utf8.count) bytes")
        #expect(text.components(separatedBy: "the deploy log reached").count == 2, "one marker")
        #expect(text.hasPrefix("-----> build") && text.hasSuffix("ERROR: the build failed\n"))
        #expect(!text.contains("output line 499"))
    }

    @Test("followers: past --max-followers-per-app a stream is refused with 429 (logs and events share the count); a place frees when a stream ends")
    func followerLimit() throws {
        let followers = FollowerLimit(perApp: 2)
        try followers.enter("shop")
        try followers.enter("shop")
        #expect(throws: TooManyRequests.self) { try followers.enter("shop") }
        #expect(throws: TooManyRequests.self) { try followers.refuseIfFull("shop") }
        try followers.enter("blog")
        followers.leave("shop")
        #expect(followers.count("shop") == 1)
        try followers.enter("shop")
    }

    @Test("the rate limiter refills at its rate and forgets no client's debt")
    func limiter() {
        let limiter = RateLimiter(perMinute: 60, burst: 2)
        let start = ContinuousClock.now
        #expect(limiter.take("a", now: start) == nil && limiter.take("a", now: start) == nil)
        #expect(limiter.take("a", now: start) != nil)
        #expect(limiter.take("b", now: start) == nil, "another token has its own bucket")
        #expect(limiter.take("a", now: start + .milliseconds(1100)) == nil, "one a second")
    }
}
