import Commands
import Foundation
import Testing

@testable import SlipwayRouter
import TLSTestSupport

/// The router's HTTPS edge as a browser meets it: headless Chromium (driven by selenium, see
/// Tests/Browser/websocket_page.py) loads an app's page over HTTPS and talks to the app over a
/// WebSocket. Chromium speaks HTTP/2 to the router when offered (ALPN) and then opens the WebSocket
/// as an HTTP/2 stream (RFC 8441) on the same connection; the app (Python's `websockets`) sees an
/// ordinary HTTP/1.1 handshake either way. Fails (never skips) when the browser is missing.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RouterBrowserTests {
    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Browser/websocket_page.py")
    }

    @Test func chromiumOpensAnAppsWebSocketPageOverHTTPS() async throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for tool in ["chromium", "chromedriver"]
        where !path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }) {
            throw WebSocketAppError("\(tool) is missing: bash scripts/setup.sh installs it (Debian's chromium and chromium-driver)")
        }
        let app = try await WebSocketApp.start(mode: "page")
        let harness = try await TLSRouterHarness.start()
        harness.routes.setRoutes(app: "chat", services: ["web": [Backend(port: app.port)]], defaultService: "web")
        let leaf = try harness.pki.leaf(["chat.example.test"])
        #expect(harness.certificates.replace(with: [ServedCertificates.Entry(host: "chat.example.test", chainPEM: leaf.certificatePEM,
                                                                             keyPEM: leaf.keyPEM)]).isEmpty)

        // An attempt that failed while the browser saw the host's network change (other tests'
        // containers come and go; Chromium then drops its connections) is made again, at most three
        // times; see websocket_page.py.
        var page: [String: Any] = [:]
        var logStart = 0  // what the app logged before the attempt that counts
        let attemptLog = { String(app.log.dropFirst(logStart)) }
        for _ in 1...3 {
            logStart = app.log.count
            let result = try await Command(WebSocketApp.python, [Self.script.path, String(harness.httpsPort), "chat.example.test", leaf.certificate.path],
                                           environment: ["SE_AVOID_STATS": "true"], timeout: .seconds(90)).run()
            let line = result.standardOutput.split(separator: "\n").last { $0.hasPrefix("{") }
            page = try #require(line.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] },
                                "the browser page failed: \(result.standardOutput.suffix(2000)) \(result.standardError.suffix(3000))")
            let passed = page["page_protocol"] as? String == "h2" && page["title"] as? String == "closed 1000"
                && attemptLog().contains("handshake upgrade\n")
            if passed || page["network_changed"] as? Bool != true { break }
        }
        #expect(page["page_protocol"] as? String == "h2", "\(page)")
        #expect(page["result"] as? String == "echo: hello from the page", "\(page)")
        #expect(page["title"] as? String == "closed 1000", "\(page)")
        // The handshake reached the app through the router's HTTP/2 bridge (lowercase field names),
        // and the app saw the browser's close.
        #expect(await eventually { attemptLog().contains("closed 1000") }, "\(app.log)")
        #expect(attemptLog().contains("handshake upgrade\n"), "\(app.log)")
        try await harness.shutdown()
        await app.stop()
    }
}
