import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Testing

@testable import SlipwayRouter

/// Custom hosts and maintenance mode through the real router, with a real backend and client.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RouterEdgeTests {
    @Test func customAndWildcardHostsReachTheApp() async throws {
        let web = try await TestBackend.start(name: "shop-web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        harness.routes.setCustomHosts(app: "shop", [CustomHost(host: "shop.example.com"), CustomHost(host: "*.shop.example.com")])

        #expect(try await harness.get(host: "shop.example.com").body == "shop-web")
        #expect(try await harness.get(host: "de.shop.example.com:\(harness.port)").body == "shop-web")
        let unknown = try await harness.get(host: "example.com")
        #expect(unknown.status == .badGateway)
        #expect(unknown.body == "slipway: no app is routed at example.com\n")

        try await harness.shutdown()
        await web.stop()
    }

    @Test func maintenanceAnswers503WithThePageAndRetryAfterWithoutTouchingTheReplica() async throws {
        let web = try await TestBackend.start(name: "shop-web")
        let harness = try await RouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: web.port)]], defaultService: "web")
        harness.routes.setCustomHosts(app: "shop", [CustomHost(host: "shop.example.com")])
        #expect(try await harness.get(host: "shop.localhost").body == "shop-web")
        let served = web.requests

        harness.routes.setMaintenance(app: "shop", MaintenancePage(app: "shop", message: "Upgrading <db>; back at 17:00"))
        for host in ["shop.localhost", "shop.example.com", "web.shop.localhost"] {
            let answer = try await harness.get(host: host)
            #expect(answer.status == .serviceUnavailable, "\(host)")
            #expect(answer.headers.first(name: "retry-after") == "120")
            #expect(answer.headers.first(name: "content-type") == "text/html; charset=utf-8")
            #expect(answer.headers.first(name: "cache-control") == "no-store")
            #expect(answer.body.contains("Upgrading &lt;db&gt;; back at 17:00"))
            #expect(!answer.body.contains("<db>"))
        }
        // A POST with a body is read and answered the same way, and the connection stays usable.
        let post = try await harness.request(host: "shop.localhost", method: .POST, body: .bytes(ByteBuffer(string: "order=1")))
        #expect(post.status == .serviceUnavailable)
        _ = try await post.body.collect(upTo: 1 << 16)
        // HEAD gets the headers alone.
        let head = try await harness.request(host: "shop.localhost", method: .HEAD)
        #expect(head.status == .serviceUnavailable)
        #expect(try await head.body.collect(upTo: 1 << 16).readableBytes == 0)
        #expect(web.requests == served, "the replica got requests during maintenance")

        harness.routes.setMaintenance(app: "shop", nil)
        #expect(try await harness.get(host: "shop.example.com").body == "shop-web")

        try await harness.shutdown()
        await web.stop()
    }
}
