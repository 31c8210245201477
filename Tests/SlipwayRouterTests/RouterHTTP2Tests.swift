import Foundation
import Testing

@testable import SlipwayRouter
import TLSTestSupport

/// HTTP/2 over TLS (ALPN `h2`, `http/1.1` fallback) to the same HTTP/1.1 backends, with the real
/// curl as the client.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RouterHTTP2Tests {
    @Test func clientsThatOfferH2GetHTTP2AndOthersHTTP1() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")
        try harness.serve(["shop.example.test"])

        let h2 = try await harness.https("shop.example.test", ["--http2"])
        #expect(h2.exitCode == 0 && h2.httpVersion == "2" && h2.body == "shop", "\(h2)")
        #expect(h2.headers["x-backend"] == "shop")
        let h1 = try await harness.https("shop.example.test", ["--http1.1"])
        #expect(h1.httpVersion == "1.1" && h1.body == "shop", "\(h1)")

        // What the backend is told: the Host (from :authority), https, cookies joined into one field.
        let headers = try await harness.https("shop.example.test", path: "/headers",
                                              ["--http2", "-H", "Cookie: a=1", "-H", "Cookie: b=2", "-H", "X-Forwarded-Proto: http"])
        #expect(headers.httpVersion == "2")
        let lines = Set(headers.body.split(separator: "\n").map(String.init))
        #expect(lines.contains("host: shop.example.test:\(harness.httpsPort)"), "\(headers.body)")
        #expect(lines.contains("x-forwarded-proto: https") && !lines.contains("x-forwarded-proto: http"), "\(headers.body)")
        #expect(lines.contains("cookie: a=1; b=2"), "\(headers.body)")

        try await harness.shutdown()
        await shop.stop()
    }

    @Test func bodiesStreamBothWaysOverHTTP2() async throws {
        let shop = try await TestBackend.start(name: "shop")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "shop", services: ["web": [Backend(port: shop.port)]], defaultService: "web")
        try harness.serve(["shop.example.test"])

        // 3 MB up, with a length (curl sends content-length) and without one (read from stdin):
        // the backend counts the same bytes as over HTTP/1.1.
        let file = harness.pki.directory.appendingPathComponent("upload.bin")
        try Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: file)
        let reference = try await harness.https("shop.example.test", path: "/upload", ["--http1.1", "--data-binary", "@\(file.path)"])
        #expect(reference.body.hasPrefix("3000000 "), "\(reference)")
        let withLength = try await harness.https("shop.example.test", path: "/upload", ["--http2", "--data-binary", "@\(file.path)"])
        #expect(withLength.httpVersion == "2" && withLength.body == reference.body, "\(withLength)")
        let streamed = try await Curl.run(["--http2", "-T", "-", "-X", "POST", "--cacert", harness.pki.caCertificate.path,
                                           "--resolve", "shop.example.test:\(harness.httpsPort):127.0.0.1",
                                           "https://shop.example.test:\(harness.httpsPort)/upload"], stdin: file)
        #expect(streamed.httpVersion == "2" && streamed.body == reference.body, "\(streamed)")

        // 8 MB down, chunked by the backend and with a length.
        for query in ["bytes=8000000&chunked=1", "bytes=8000000"] {
            let download = try await harness.https("shop.example.test", path: "/download?\(query)", ["--http2"])
            #expect(download.exitCode == 0 && download.httpVersion == "2" && download.sizeDownload == 8_000_000, "\(query): \(download.stderr)")
        }
        try await harness.shutdown()
        await shop.stop()
    }

    /// RFC 8441: a client on an HTTP/2 connection opens the WebSocket as a stream (extended
    /// CONNECT, `:protocol websocket`); the backend (Python's `websockets`) sees its ordinary
    /// HTTP/1.1 handshake. Another `:protocol` gets the stream reset, the app never asked.
    @Test func webSocketsOverHTTP2WithExtendedConnect() async throws {
        let app = try await WebSocketApp.start()
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "chat", services: ["web": [Backend(port: app.port)]], defaultService: "web")
        try harness.serve(["chat.example.test"])

        let result = try await H2WebSocketClient.run(port: harness.httpsPort, host: "chat.example.test", caFile: harness.pki.caCertificate.path)
        #expect(result["alpn"] as? String == "h2" && result["enable_connect_protocol"] as? Int == 1, "\(result)")
        #expect(result["status"] as? Int == 200, "\(result)")
        #expect(result["text"] as? String == "hello")
        #expect(result["binary_echoed"] as? Bool == true)  // 1 MiB each way, through both flow-control windows
        #expect(result["close_code"] as? Int == 1000)
        #expect(result["stream_ended"] as? Bool == true, "\(result)")
        #expect(await eventually { app.log.contains("closed 1000") }, "\(app.log)")

        let before = app.log
        let other = try await H2WebSocketClient.run(port: harness.httpsPort, host: "chat.example.test", caFile: harness.pki.caCertificate.path,
                                                    protocolName: "connect-udp")
        #expect(other["reset"] as? Bool == true && other["status"] == nil, "\(other)")
        #expect(app.log == before, "the app was asked: \(app.log)")
        try await harness.shutdown()
        await app.stop()
    }
}
