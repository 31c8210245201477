import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import SlipwayClient
import SlipwayTestSupport
import Testing

extension Integration {
    /// The API over HTTPS (issue 14, section 1): `slipway server --tls-cert/--tls-key` with a
    /// certificate a private CA signed (made by openssl here), the real CLI trusting that CA.
    @Suite("API over TLS", .serialized)
    struct APITLSTests {
        @Test("over https the CLI deploys, lists, follows logs and the log WebSocket streams, trusting the CA by --ca-file, SLIPWAY_CA_FILE or ~/.slipway/config; an untrusted certificate and plain http are refused")
        func httpsEndToEnd() async throws {
            let certificates = try await TestCertificates()
            defer { certificates.remove() }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tls-app-\(UUID().uuidString.prefix(6))")
            for (path, text) in LogsAndEventsTests.files(word: "sealed") {
                let file = folder.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
            }
            defer { try? FileManager.default.removeItem(at: folder) }
            try await TestServer.with(tls: certificates) { server in
                #expect(server.baseURL.hasPrefix("https://"))
                let token = try #require(server.token)

                // Without the CA, or trusting another one, the CLI refuses the server and says what to do.
                let untrusted = try await runCLI(["apps", "--server", server.baseURL])
                #expect(untrusted.status != 0 && untrusted.output.contains("--ca-file"), "\(untrusted.output)")
                let otherCA = try await runCLI(["apps", "--server", server.baseURL, "--ca-file", certificates.otherCACertificate])
                #expect(otherCA.status != 0 && otherCA.output.contains("could not be verified"), "\(otherCA.output)")
                // The API is not served in the clear on its port.
                let plain = try await runCLI(["apps", "--server", server.baseURL.replacingOccurrences(of: "https://", with: "http://")])
                #expect(plain.status != 0, "\(plain.output)")
                let missing = try await runCLI(["apps", "--server", server.baseURL, "--ca-file", "/nonexistent/ca.pem"])
                #expect(missing.status != 0 && missing.output.contains("/nonexistent/ca.pem"), "\(missing.output)")

                // --ca-file: a deploy uploads the folder and follows its log over https.
                let deploy = try await runCLI(["deploy", folder.path, "--app", "tls-app", "--server", server.baseURL, "--ca-file", certificates.caCertificate])
                #expect(deploy.status == 0, "\(deploy.output)")
                #expect(try await server.viaRouter(host: "tls-app.localhost").body.contains("sealed"))

                // SLIPWAY_CA_FILE.
                let listed = try await runCLI(["apps", "--json", "--server", server.baseURL], environment: ["SLIPWAY_CA_FILE": certificates.caCertificate])
                #expect(listed.status == 0 && listed.output.contains("tls-app"), "\(listed.output)")

                // ~/.slipway/config with server, token and ca-file: no flag at all.
                let config = certificates.directory.appendingPathComponent("config")
                try "server: \(server.baseURL)\ntoken: \(token)\nca-file: \(certificates.caCertificate)\n".write(to: config, atomically: true, encoding: .utf8)
                let fromConfig = try await runCLI(["info", "tls-app"], environment: ["SLIPWAY_CONFIG": config.path, "SLIPWAY_SERVER": "", "SLIPWAY_TOKEN": ""])
                #expect(fromConfig.status == 0 && fromConfig.output.contains("tls-app"), "\(fromConfig.output)")

                // logs -f over https.
                let follower = try await LineCollector(TestServer.binary, ["logs", "tls-app", "-f", "--server", server.baseURL,
                                                                     "--ca-file", certificates.caCertificate])
                defer { follower.stop() }
                #expect(try await LogsAndEventsTests.eventually { follower.text.contains("sealed") }, "logs -f over https: \(follower.text.suffix(300))")

                // The log WebSocket over wss.
                // By name: a TLS client sends no address as SNI (the certificate lists both).
                let url = "wss://localhost:\(server.apiPort)/v1/apps/tls-app/logs/ws?tail=2"
                let first = try await withThrowingTaskGroup(of: String?.self) { group in
                    group.addTask {
                        let received = Messages()
                        try await WebSocketClient.connect(
                            url: url, configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                            tlsConfiguration: try SlipwayClient.tlsConfiguration(trusting: certificates.caCertificate),
                            logger: Logger(label: "test.wss")) { inbound, _, _ in
                            for try await message in inbound.messages(maxSize: 1 << 16) {
                                if case .text(let text) = message { _ = await received.add(text); return }
                            }
                        }
                        return await received.all.first
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(20))
                        throw TestFailure("no WebSocket message over wss within 20 s")
                    }
                    defer { group.cancelAll() }
                    return try await group.next() ?? nil
                }
                #expect(first?.contains("sealed") == true, "\(first ?? "nothing")")
            }
        }

        @Test("a key that is not the certificate's, or one of the two files alone, is refused at start with the reason")
        func badIdentityRefused() async throws {
            let certificates = try await TestCertificates()
            defer { certificates.remove() }
            let port = try freePort()
            let wrongKey = try await APIAccessTests.startAndExit(
                ["--listen", "127.0.0.1:\(port)", "--tls-cert", certificates.serverCertificate,
                 "--tls-key", certificates.directory.appendingPathComponent("ca.key").path], environment: [:])
            #expect(wrongKey.status != 0 && wrongKey.output.contains("--tls-key"), "\(wrongKey.output)")
            let alone = try await APIAccessTests.startAndExit(["--listen", "127.0.0.1:\(port)", "--tls-cert", certificates.serverCertificate], environment: [:])
            #expect(alone.status != 0 && alone.output.contains("--tls-cert and --tls-key go together"), "\(alone.output)")
        }

        @Test("off loopback without TLS the server warns at start; with TLS it does not")
        func plaintextOffLoopbackWarns() async throws {
            let certificates = try await TestCertificates()
            defer { certificates.remove() }
            let plain = try await Self.startupLog(["--listen", "0.0.0.0:\(try freePort())"])
            #expect(plain.contains("without TLS"), "\(plain)")
            let tls = try await Self.startupLog(["--listen", "0.0.0.0:\(try freePort())",
                                                 "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey])
            #expect(tls.contains("slipway is up") && tls.contains("api=https://") && !tls.contains("without TLS"), "\(tls)")
        }

        /// Starts a server, waits for "slipway is up" (or its exit), stops it and returns its output.
        static func startupLog(_ arguments: [String]) async throws -> String {
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-tls-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: data) }
            let collector = try await LineCollector(TestServer.binary, ["server", "--data", data.path, "--router", "127.0.0.1:\(try freePort())",
                                                                  "--engine-socket", TestEngine.socketPath] + arguments)
            _ = try await LogsAndEventsTests.eventually(.seconds(30)) { collector.text.contains("slipway is up") || collector.text.contains("Error") }
            collector.stop()
            await RouterProcesses.stop(data: data.path)  // a router process the server started outlives it
            return collector.text
        }
    }
}
