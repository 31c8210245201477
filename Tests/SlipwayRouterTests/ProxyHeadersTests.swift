import NIOHTTP1
import Testing

@testable import SlipwayRouter

@Suite struct ProxyHeadersTests {
    @Test func requestLosesHopByHopHeadersAndGainsForwardedOnes() {
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/x",
            headers: [
                "Host": "a.localhost", "Connection": "keep-alive, X-Secret", "X-Secret": "1", "TE": "trailers",
                "Upgrade": "websocket", "Transfer-Encoding": "chunked", "X-Forwarded-For": "10.0.0.1",
                "X-Forwarded-Proto": "https", "Accept": "*/*",
            ])
        let out = ProxyHeaders.backendRequest(from: head, clientIP: "192.0.2.1", trustedPeer: true)
        #expect(out.headers["x-secret"].isEmpty)
        #expect(out.headers["connection"].isEmpty)
        #expect(out.headers["te"].isEmpty)
        #expect(out.headers["upgrade"].isEmpty)
        #expect(out.headers["transfer-encoding"] == ["chunked"])
        // From a trusted proxy: its X-Forwarded-For is appended to, its X-Forwarded-Proto kept.
        #expect(out.headers["x-forwarded-for"] == ["10.0.0.1, 192.0.2.1"])
        #expect(out.headers["x-forwarded-proto"] == ["https"])
        #expect(out.headers["x-real-ip"] == ["192.0.2.1"])
        #expect(out.headers["x-forwarded-host"] == ["a.localhost"])
        #expect(out.headers["accept"] == ["*/*"])
    }

    @Test func plainRequestsAndResponsesKeepTheirHeaders() {
        let head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: "/", headers: ["Host": "a.localhost", "Accept": "*/*"])
        let out = ProxyHeaders.backendRequest(from: head, clientIP: "192.0.2.1")
        #expect(
            out.headers.map { "\($0.name): \($0.value)" } == [
                "Host: a.localhost", "Accept: */*", "x-forwarded-for: 192.0.2.1", "x-real-ip: 192.0.2.1", "x-forwarded-proto: http",
                "x-forwarded-host: a.localhost",
            ])
        // An HTTP/1.0 client is upgraded to HTTP/1.1 towards the backend, so the pooled connection stays open.
        let old = ProxyHeaders.backendRequest(
            from: HTTPRequestHead(version: .http1_0, method: .GET, uri: "/", headers: ["Host": "a.localhost"]),
            clientIP: nil)
        #expect(old.version == .http1_1)

        let response = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "2"])
        let passed = ProxyHeaders.clientResponse(
            from: response, requestMethod: .GET, requestVersion: .http1_1, clientKeepAlive: true)
        #expect(passed.head == response && passed.keepAlive)
        let closing = ProxyHeaders.clientResponse(
            from: response, requestMethod: .GET, requestVersion: .http1_1, clientKeepAlive: false)
        #expect(closing.head.headers["connection"] == ["close"] && !closing.keepAlive)
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
