import Commands
import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// Issue 14, "a deploy reads only what it was given": server paths only inside
    /// `--allow-source-dir`, copies that follow nothing, and uploaded archives checked as tar lists
    /// them. Each attack is refused with a reason and leaves the running app as it was.
    @Suite("Source access", .serialized)
    struct SourceAccessTests {
        static func json(_ object: [String: String]) -> Data {
            (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        }

        @Test("attack: a source path or file:// URL outside --allow-source-dir is refused with 403, nothing queued")
        func serverPathOutsideAllowedDirectories() async throws {
            // The test server allows only the temporary directory (test repositories live there).
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-escape-\(UUID().uuidString.prefix(6))")
            try FileManager.default.createSymbolicLink(atPath: outside.path, withDestinationPath: "/etc")
            defer { try? FileManager.default.removeItem(at: outside) }
            try await TestServer.with { server in
                let app = "paths-\(UUID().uuidString.prefix(6).lowercased())"
                for source in ["/etc", "/root/", "file:///etc", "file:///var/lib", outside.path, "\(FileManager.default.temporaryDirectory.path)/../etc"] {
                    let answer = try await server.request(.POST, "/v1/apps/\(app)/deploys", body: Self.json(["source": source]),
                                                          headers: ["Content-Type": "application/json"])
                    #expect(answer.status == 403, "\(source): \(answer.status) \(answer.body)")
                    #expect(answer.body.contains("source_not_allowed") && answer.body.contains("--allow-source-dir"), "\(answer.body)")
                    let trigger = try await server.request(.POST, "/trigger", body: Self.json(["gitrepo": source]),
                                                           headers: ["Content-Type": "application/json"])
                    #expect(trigger.status == 403, "\(source): \(trigger.status) \(trigger.body)")
                }
                let deploys = try await server.get("/v1/apps/\(app)/deploys")
                #expect(deploys.status == 404, "nothing was queued: \(deploys.body)")
            }
        }

        @Test("attack: a FIFO or a symlink to outside in an allowed folder fails the fetch at once; the app keeps serving")
        func specialFilesInAllowedFolder() async throws {
            try await TestServer.with { server in
                let app = "copies-\(UUID().uuidString.prefix(6).lowercased())"
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-folder-\(UUID().uuidString.prefix(6))")
                defer { try? FileManager.default.removeItem(at: folder) }
                try FileManager.default.createDirectory(at: folder.appendingPathComponent("www"), withIntermediateDirectories: true)
                for (name, text) in GitRepository.helloFiles(page: "from a folder", replicas: 1, name: app) {
                    try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                }
                let good = try await server.deploy(app, source: folder.path)
                try #require(good.status == .completed, "\(good.error ?? "")")
                let before = Set(try await server.containers(app: app).map(\.id))

                #expect(mkfifo(folder.appendingPathComponent("www/pipe").path, 0o644) == 0)
                let started = ContinuousClock.now
                let fifo = try await server.deploy(app, source: folder.path)
                #expect(ContinuousClock.now - started < .seconds(30), "the copy hung on the FIFO")
                #expect(fifo.status == .error && fifo.stages.first { $0.status == .error }?.name == "fetch")
                #expect((fifo.error ?? "").contains("\"www/pipe\" is a special file"), "\(fifo.error ?? "")")
                try FileManager.default.removeItem(at: folder.appendingPathComponent("www/pipe"))

                try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("www/passwd").path, withDestinationPath: "/etc/passwd")
                let link = try await server.deploy(app, source: folder.path)
                #expect(link.status == .error)
                #expect((link.error ?? "").contains("points outside the source tree"), "\(link.error ?? "")")

                #expect(try await server.viaRouter(host: "\(app).localhost").body == "from a folder")
                #expect(Set(try await server.containers(app: app).map(\.id)) == before)
                #expect(try await server.client.releases(app: try DNSLabel(app)).releases.map(\.version) == [1])
            }
        }

        /// Two million empty entries: 14 MB gzip, a 1 GB tar, and a listing tar prints at 2 million
        /// lines. The server must stop at the entry limit without holding the listing (before the
        /// check streamed, this upload took the server's peak RSS from 56 MB to 478 MB).
        @Test("attack: a gzip of 2 million empty entries is refused at the entry limit; the server's memory stays flat")
        func archiveOfMillionsOfEntries() async throws {
            let archive = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-bomb-\(UUID().uuidString.prefix(6)).tar.gz")
            defer { try? FileManager.default.removeItem(at: archive) }
            try await Self.makeEmptyEntriesArchive(at: archive, entries: 2_000_000)
            try await TestServer.with { server in
                let app = "bomb-\(UUID().uuidString.prefix(6).lowercased())"
                let pid = try #require(server.process?.processIdentifier)
                let before = try Self.peakRSSKiB(pid)
                let trace = try await server.client.deploy(app: try DNSLabel(app), archive: archive)
                let view = try await server.waitForDeploy(trace.traceId)
                let after = try Self.peakRSSKiB(pid)
                print("archive of 2,000,000 empty entries: server peak RSS \(before / 1024) MiB before, \(after / 1024) MiB after (+\((after - before) / 1024) MiB)")
                #expect(view.status == .error && view.stages.first { $0.status == .error }?.name == "fetch")
                #expect((view.error ?? "").contains("more than 100000 entries"), "\(view.error ?? "")")
                #expect(after - before < 64 * 1024, "peak RSS grew by \((after - before) / 1024) MiB")
                #expect(try await server.containers(app: app).isEmpty)
            }
        }

        /// VmHWM: the process's peak resident set size, in KiB.
        static func peakRSSKiB(_ pid: Int32) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }

        /// Tar headers written by hand (Python's tarfile is ten times slower for this), gzip-compressed.
        static func makeEmptyEntriesArchive(at url: URL, entries: Int) async throws {
            let script = """
            import gzip, sys
            def header(name):
                h = bytearray(512); h[0:len(name)] = name
                h[100:108] = b"0000644\\0"; h[108:116] = b"0000000\\0"; h[116:124] = b"0000000\\0"
                h[124:136] = b"00000000000\\0"; h[136:148] = b"00000000000\\0"; h[148:156] = b"        "
                h[156:157] = b"0"; h[257:263] = b"ustar\\0"; h[263:265] = b"00"
                h[148:155] = b"%06o\\0" % sum(h)
                return bytes(h)
            with gzip.open(sys.argv[1], "wb", compresslevel=6) as out:
                for start in range(0, \(entries), 4096):
                    out.write(b"".join(header(b"f/%d" % i) for i in range(start, min(start + 4096, \(entries)))))
                out.write(b"\\0" * 1024)
            """
            let result = try await Command("python3", ["-c", script, url.path], timeout: .seconds(300)).run()
            guard result.succeeded else { throw TestFailure("python3 could not write the test archive: \(result.reason)") }
        }
    }
}
