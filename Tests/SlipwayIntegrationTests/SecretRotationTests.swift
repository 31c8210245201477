import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// `slipway secrets rotate-key` (issue 14, section 4): every stored secret re-encrypted under a
    /// new master key; a server killed with SIGKILL mid-rotation loses nothing.
    @Suite("Master key rotation", .serialized)
    struct SecretRotationTests {
        /// Many secrets make the re-encryption last long enough to be cut off.
        static let bulk = 200
        static let files = [
            "Dockerfile": "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/env\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
            "www/index.html": "rotor",
            "www/cgi-bin/env": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"DB_PASSWORD=$DB_PASSWORD SIGNING=$SIGNING FIRST=$S0_0 LAST=$S2_\(bulk - 1) ROUND=$ROUND\"\n",
            "slipway.yaml": "services:\n  web:\n    port: 8080\n",
        ]

        /// What the replicas must see: the values set, decrypted from the store after every restart.
        static func expected(round: Int) -> String {
            "DB_PASSWORD=pw-rotated-0a1b SIGNING=sig-rotated-2c3d FIRST=secret-0-0 LAST=secret-2-\(bulk - 1) ROUND=\(round)"
        }

        @Test("a server killed (SIGKILL) at any moment of a rotation reads every secret after restart and completes it; rotate-key --json; SLIPWAY_MASTER_KEY refuses")
        func killMidRotation() async throws {
            let repo = try await GitRepository(files: Self.files)
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("rotor", source: repo.url).status == .completed)
                let base = ["config", "set", "rotor", "--server", server.baseURL]
                let named = try await runCLI(base + ["DB_PASSWORD=pw-rotated-0a1b", "SIGNING=sig-rotated-2c3d", "--secret"])
                #expect(named.status == 0, "\(named.output)")
                for batch in 0..<3 {
                    let pairs = (0..<Self.bulk).map { "S\(batch)_\($0)=secret-\(batch)-\($0)" }
                    let set = try await runCLI(base + pairs + ["--secret"])
                    #expect(set.status == 0, "\(set.output.suffix(500))")
                }
                let keyFile = server.dataDirectory.appendingPathComponent("master.key")
                let nextFile = server.dataDirectory.appendingPathComponent("master.key.next")
                var keys = [try String(contentsOf: keyFile, encoding: .utf8)]

                // How long a whole rotation takes here; the kills are spread over it (and past its end).
                let started = ContinuousClock.now
                _ = try await server.client.rotateSecretsKey()
                let whole = Int((ContinuousClock.now - started) / .microseconds(1))
                keys.append(try String(contentsOf: keyFile, encoding: .utf8))
                var cutOff = 0
                for (round, delay) in [0, 0, whole / 8, whole / 4, whole / 2, whole * 3 / 4, whole * 2].enumerated() {
                    let client = server.client
                    let rotation = Task { try? await client.rotateSecretsKey() }
                    var sawNextKey = false
                    let deadline = ContinuousClock.now + .seconds(10)
                    while ContinuousClock.now < deadline {
                        if FileManager.default.fileExists(atPath: nextFile.path) { sawNextKey = true; break }
                        if FileManager.default.fileExists(atPath: keyFile.path),
                           (try? String(contentsOf: keyFile, encoding: .utf8)) != keys.last { break }  // done before we looked
                        usleep(100)
                    }
                    if delay > 0 { usleep(useconds_t(delay)) }
                    let nextAtKill = FileManager.default.fileExists(atPath: nextFile.path)
                    await server.kill()
                    _ = await rotation.value
                    if nextAtKill { cutOff += 1 }
                    print("rotation round \(round): new key seen \(sawNextKey), killed \(nextAtKill ? "mid-rotation" : "after it") (\(delay) µs after the new key appeared; a whole rotation took \(whole) µs)")

                    try await server.start()
                    #expect(!FileManager.default.fileExists(atPath: nextFile.path), "round \(round): the restart completes the rotation")
                    let releases = try await server.get("/v1/apps/rotor/releases")
                    #expect(releases.status == 200, "round \(round): every release reads: \(releases.body.prefix(300))")
                    let config = try await server.get("/v1/apps/rotor/config")
                    #expect(config.status == 200 && config.body.contains("[redacted]"), "round \(round): \(config.body.prefix(300))")
                    let key = try String(contentsOf: keyFile, encoding: .utf8)
                    #expect(!keys.contains(key), "round \(round): master.key holds a new key")
                    keys.append(key)
                }
                #expect(cutOff >= 1, "no round killed the server while the rotation was under way")

                // The values themselves: a new release is rolled out from the stored (decrypted) config.
                let bump = try await runCLI(base + ["ROUND=5"])
                #expect(bump.status == 0, "\(bump.output)")
                let seen = try await server.viaRouter(host: "rotor.localhost", path: "/cgi-bin/env").body
                #expect(seen.contains(Self.expected(round: 5)), "\(seen)")

                // An ordinary rotation through the CLI.
                let cli = try await runCLI(["secrets", "rotate-key", "--json", "--server", server.baseURL])
                #expect(cli.status == 0, "\(cli.output)")
                let result = try JSONDecoder().decode(KeyRotationResult.self, from: Data(cli.output.utf8))
                #expect(result.secrets >= 3 * Self.bulk && result.keyFile == keyFile.path && !result.completedInterrupted, "\(result)")
                let text = try await runCLI(["secrets", "rotate-key", "--server", server.baseURL])
                #expect(text.status == 0 && text.output.contains("Re-encrypted"), "\(text.output)")
                // Nothing in the data directory still decrypts with a retired key: each was removed.
                let stored = try String(contentsOf: keyFile, encoding: .utf8)
                #expect(!keys.dropLast().contains(stored))
            }
        }

        @Test("with the key in SLIPWAY_MASTER_KEY, rotate-key is refused (409) and says why; nothing changes")
        func environmentKeyRefused() async throws {
            let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            try await TestServer.with(environment: ["SLIPWAY_MASTER_KEY": key]) { server in
                let refused = try await runCLI(["secrets", "rotate-key", "--server", server.baseURL])
                #expect(refused.status != 0 && refused.output.contains("SLIPWAY_MASTER_KEY"), "\(refused.output)")
                let raw = try await server.request(.POST, "/v1/secrets/rotate-key")
                #expect(raw.status == 409 && raw.body.contains("key_from_environment"), "\(raw.body)")
                #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("master.key.next").path))
            }
        }
    }
}
