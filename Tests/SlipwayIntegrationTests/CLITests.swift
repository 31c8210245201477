import Foundation
import SlipwayCore
import Testing

extension Integration {
    /// The `slipway` CLI as a user runs it, against a real server.
    @Suite("CLI", .serialized)
    struct CLITests {
        @Test("deploy a local folder: live stages, exit 0, the URL printed last; apps/info/releases/status/destroy")
        func deployFolder() async throws {
            try await TestServer.with { server in
                // examples/hello names its app `hello`; a repository deploys only the app it names.
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-hello-\(UUID().uuidString.prefix(6))")
                try FileManager.default.copyItem(at: GitRepository.example("hello"), to: folder)
                defer { try? FileManager.default.removeItem(at: folder) }
                let manifest = folder.appendingPathComponent("slipway.yaml")
                try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "name: hello", with: "name: cli-hello")
                    .write(to: manifest, atomically: true, encoding: .utf8)
                let deploy = try await runCLI(["deploy", folder.path, "--app", "cli-hello", "--server", server.baseURL])
                #expect(deploy.status == 0, "\(deploy.output)")
                let lines = deploy.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                #expect(lines.last == "http://cli-hello.localhost:\(server.routerPort)/", "\(deploy.output)")
                for stage in ["fetch", "config", "build", "release", "run", "route"] {
                    #expect(deploy.output.contains(stage), "stage \(stage) not shown")
                }
                #expect(try await server.viaRouter(host: "cli-hello.localhost").body.contains("Hello from Slipway"))

                let apps = try await runCLI(["apps", "--server", server.baseURL])
                #expect(apps.status == 0 && apps.output.contains("cli-hello"), "\(apps.output)")
                let json = try await runCLI(["apps", "--json", "--server", server.baseURL])
                let list = try Timestamp.decoder().decode(AppList.self, from: Data(json.output.utf8))
                #expect(list.apps.map(\.name) == ["cli-hello"])
                let info = try await runCLI(["info", "cli-hello", "--server", server.baseURL])
                #expect(info.status == 0 && info.output.contains("web"), "\(info.output)")
                let releases = try await runCLI(["releases", "cli-hello", "--server", server.baseURL])
                #expect(releases.status == 0 && releases.output.contains("v1"), "\(releases.output)")
                let destroy = try await runCLI(["destroy", "cli-hello", "--server", server.baseURL])
                #expect(destroy.status == 0, "\(destroy.output)")
                #expect(try await server.containers(app: "cli-hello").isEmpty)
            }
        }

        @Test("a failing deploy exits non-zero naming the stage and the reason, with the log's tail")
        func failingDeploy() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-broken-\(UUID().uuidString.prefix(6))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try "FROM busybox\nRUN echo compiling && exit 2\n".write(to: folder.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
            try await TestServer.with { server in
                let result = try await runCLI(["deploy", folder.path, "--app", "broken", "--server", server.baseURL])
                #expect(result.status == 1)
                #expect(result.output.contains("build"), "\(result.output)")
                #expect(result.output.contains("exit status 2") || result.output.contains("compiling"), "\(result.output)")
                let unreachable = try await runCLI(["apps", "--server", "http://127.0.0.1:\(try freePort())"])
                #expect(unreachable.status == 1)
                #expect(unreachable.output.contains("not reachable"), "\(unreachable.output)")
                let badName = try await runCLI(["deploy", folder.path, "--app", "Bad_Name", "--server", server.baseURL])
                #expect(badName.status != 0)
                #expect(badName.output.contains("lowercase") || badName.output.contains("uppercase"), "\(badName.output)")
            }
        }
    }
}
