import NIOHTTP1
import Testing

@testable import SlipwayRouter

@Suite struct RouteTableTests {
    @Test func resolvesHostsUnderTheDomain() {
        let table = RouteTable(domain: "apps.example.com")
        let web = [Backend(port: 8001), Backend(port: 8002)]
        table.setRoutes(app: "shop", services: ["web": web, "worker": []], defaultService: "web")

        #expect(table.resolve(host: "shop.apps.example.com") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "Shop.Apps.Example.COM:443") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "web.shop.apps.example.com.") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "worker.shop.apps.example.com") == .noBackends(app: "shop", service: "worker"))
        #expect(table.resolve(host: "other.apps.example.com") == .unknownHost)
        #expect(table.resolve(host: "shop.localhost") == .unknownHost)
        #expect(table.resolve(host: "apps.example.com") == .unknownHost)
        #expect(table.resolve(host: "[::1]:80") == .unknownHost)
        #expect(table.apps == ["shop"])
        #expect(table.backends(app: "shop", service: "web") == web)

        table.removeApp("shop")
        #expect(table.resolve(host: "shop.apps.example.com") == .unknownHost)
        #expect(table.apps.isEmpty)
    }

    @Test func appWithoutDefaultServiceIsOnlyReachableByService() {
        let table = RouteTable()
        table.setRoutes(app: "jobs", services: ["api": [Backend(port: 9000)]], defaultService: nil)
        #expect(table.resolve(host: "jobs.localhost") == .unknownHost)
        #expect(table.resolve(host: "api.jobs.localhost") == .service(app: "jobs", service: "api", backends: [Backend(port: 9000)]))
    }
}

@Suite struct ProxyHeadersTests {
    @Test func requestLosesHopByHopHeadersAndGainsForwardedOnes() {
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/x",
            headers: [
                "Host": "a.localhost", "Connection": "keep-alive, X-Secret", "X-Secret": "1", "TE": "trailers",
                "Upgrade": "websocket", "Transfer-Encoding": "chunked", "X-Forwarded-For": "10.0.0.1",
                "X-Forwarded-Proto": "https", "Accept": "*/*",
            ])
        let out = ProxyHeaders.backendRequest(from: head, clientIP: "192.0.2.1")
        #expect(out.headers["x-secret"].isEmpty)
        #expect(out.headers["connection"].isEmpty)
        #expect(out.headers["te"].isEmpty)
        #expect(out.headers["upgrade"].isEmpty)
        #expect(out.headers["transfer-encoding"] == ["chunked"])
        #expect(out.headers["x-forwarded-for"] == ["10.0.0.1, 192.0.2.1"])
        #expect(out.headers["x-forwarded-proto"] == ["http"])
        #expect(out.headers["x-forwarded-host"] == ["a.localhost"])
        #expect(out.headers["accept"] == ["*/*"])
    }

    @Test func responseFramingFollowsTheClient() {
        let backend = HTTPResponseHead(
            version: .http1_1, status: .ok,
            headers: ["Transfer-Encoding": "chunked", "Connection": "close", "Keep-Alive": "timeout=5", "X-A": "b"])
        let http11 = ProxyHeaders.clientResponse(
            from: backend, requestMethod: .GET, requestVersion: .http1_1, clientKeepAlive: true)
        #expect(http11.keepAlive)
        #expect(http11.head.headers["transfer-encoding"] == ["chunked"])
        #expect(http11.head.headers["connection"].isEmpty)
        #expect(http11.head.headers["keep-alive"].isEmpty)
        #expect(http11.head.headers["x-a"] == ["b"])

        let http10 = ProxyHeaders.clientResponse(
            from: backend, requestMethod: .GET, requestVersion: .http1_0, clientKeepAlive: true)
        #expect(!http10.keepAlive)
        #expect(http10.head.headers["transfer-encoding"].isEmpty)
        #expect(http10.head.headers["connection"] == ["close"])

        let head = ProxyHeaders.clientResponse(
            from: backend, requestMethod: .HEAD, requestVersion: .http1_1, clientKeepAlive: true)
        #expect(head.head.headers["transfer-encoding"].isEmpty)
        #expect(head.keepAlive)
    }
}
