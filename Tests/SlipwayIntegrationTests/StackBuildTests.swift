import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Repositories without a Dockerfile (a generated one builds them) and Procfiles, on the real engine.
    @Suite("StackBuild", .serialized)
    struct StackBuildTests {
        @Test("a static site (index.html only) deploys offline and answers; the log shows the generated Dockerfile")
        func staticSite() async throws {
            let repo = try await GitRepository(files: [
                "index.html": "<h1>a static site, no Dockerfile</h1>",
                "about/index.html": "about us",
                // Hides dot-files from the build context: the generated .slipway/Dockerfile must still reach it.
                ".dockerignore": ".*\n",
            ])
            defer { repo.remove() }
            try await TestServer.with { server in
                let view = try await server.deploy("site", source: repo.url)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(view.stages.first { $0.name == "config" }?.message == "site: web (port 8080, 1 replica)")
                #expect(try await server.viaRouter(host: "site.localhost").body == "<h1>a static site, no Dockerfile</h1>")
                #expect(try await server.viaRouter(host: "site.localhost", path: "/about/").body == "about us")

                let log = try await server.get("/v1/deploys/\(view.traceId)/log").body
                #expect(log.contains("Found index.html (a static site) and no Dockerfile; building with this generated .slipway/Dockerfile:"))
                let generated = try #require(try StackDetector.generate(for: RepositoryRoot(files: ["index.html"]), procfile: nil, images: .defaults))
                for line in generated.text.split(separator: "\n") {
                    #expect(log.contains("       \(line)\n"), "the deploy log lacks the generated line `\(line)`")
                }
                #expect(log.contains("Building web from .slipway/Dockerfile"))
            }
        }

        @Test("a Python repository (requirements.txt + Procfile) builds on the --stack-image base and runs its web command")
        func pythonWithStackImage() async throws {
            let standIn = try await Self.buildPythonStandIn()
            let repo = try await GitRepository(files: [
                "requirements.txt": "flask==3.0.0\n",
                "app.py": "print('never run: the stand-in has no python')\n",
                "index.html": "hello from a python repository",
                "Procfile": """
                    # The stand-in base has no python; busybox httpd plays the web server.
                    web: echo "web command ran on port $PORT" > /app/web.txt && exec httpd -f -p "$PORT" -h /app
                    """,
            ])
            defer { repo.remove() }
            try await TestServer.with(arguments: ["--stack-image", "python=\(standIn)"]) { server in
                let view = try await server.deploy("py", source: repo.url)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "py.localhost").body == "hello from a python repository")
                // The generated Dockerfile's `RUN pip install` ran in the stand-in base...
                #expect(try await server.viaRouter(host: "py.localhost", path: "/pip-ran.txt").body
                        == "stand-in pip ran: install --no-cache-dir -r requirements.txt\n")
                // ...and the Procfile's web command is what serves, with Slipway's PORT.
                #expect(try await server.viaRouter(host: "py.localhost", path: "/web.txt").body == "web command ran on port 8080\n")

                let log = try await server.get("/v1/deploys/\(view.traceId)/log").body
                #expect(log.contains("Found requirements.txt (a Python app)"))
                #expect(log.contains("       FROM \(standIn)\n"))
                #expect(log.contains(#"       CMD ["/bin/sh", "-c", "echo \"web command ran on port $PORT\" > /app/web.txt && exec httpd -f -p \"$PORT\" -h /app"]"#))
                #expect(log.contains("Procfile: web"))
            }
        }

        @Test("an undetectable repository fails at config listing what was looked for, and leaves nothing running")
        func undetectable() async throws {
            let nothing = try await GitRepository(files: ["README.md": "just notes", "Procfile": "web: ./serve\n", "src/main.rb": "puts 1\n"])
            let pythonWithoutWeb = try await GitRepository(files: ["requirements.txt": "flask\n", "app.py": "\n"])
            defer { nothing.remove(); pythonWithoutWeb.remove() }
            try await TestServer.with { server in
                let view = try await server.deploy("nothing", source: nothing.url)
                #expect(view.status == .error)
                #expect(view.stages.first { $0.status == .error }?.name == "config")
                #expect((view.error ?? "").contains("""
                    looked at the repository root for slipway.yaml, config.json, Dockerfile, Procfile, requirements.txt, \
                    package.json, go.mod, Package.swift, index.html, public/ and found only a Procfile
                    """), "error was: \(view.error ?? "nil")")
                #expect(view.stages.filter { ["build", "release", "run", "route"].contains($0.name) }.allSatisfy { $0.status == .skipped })

                let python = try await server.deploy("nothing", source: pythonWithoutWeb.url)
                #expect(python.status == .error)
                #expect((python.error ?? "").contains("add a Procfile with a `web:` line"), "error was: \(python.error ?? "nil")")

                #expect(try await server.containers(app: "nothing").isEmpty)
                let releases = (try? await server.client.releases(app: try DNSLabel("nothing")).releases) ?? []
                #expect(releases.isEmpty)
                #expect(try await server.viaRouter(host: "nothing.localhost").status == 502)
            }
        }

        @Test("a Procfile beside a Dockerfile: the Dockerfile builds, web is routed, worker runs unrouted, release: runs once")
        func procfileWithDockerfile() async throws {
            let repo = try await GitRepository(files: [
                // The image's own CMD serves nothing: only the Procfile's command makes the app answer.
                "Dockerfile": "FROM busybox\nCOPY www /www\nEXPOSE 9000\nCMD [\"sleep\", \"3600\"]\n",
                "www/index.html": "served by the Procfile's web command",
                "Procfile": """
                    web: echo "port $PORT" > /www/port.txt && exec httpd -f -p "$PORT" -h /www
                    worker: while true; do sleep 1; done
                    release: echo migrating for $SLIPWAY_RELEASE
                    """,
            ])
            defer { repo.remove() }
            try await TestServer.with { server in
                let view = try await server.deploy("procs", source: repo.url)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "procs.localhost").body == "served by the Procfile's web command")
                // The port came from the Dockerfile's EXPOSE and reached the command as PORT.
                #expect(try await server.viaRouter(host: "procs.localhost", path: "/port.txt").body == "port 9000\n")
                let app = try await server.client.app(try DNSLabel("procs"))
                #expect(app.services.map(\.name).sorted() == ["web", "worker"], "release: is the release phase, not a process type")
                #expect(app.services.first { $0.name == "web" }?.port == 9000)
                let worker = try #require(app.services.first { $0.name == "worker" })
                #expect(worker.readyReplicas == 1)
                #expect(worker.instances.first?.hostPort == nil, "a worker publishes no port")
                #expect(try await server.viaRouter(host: "worker.procs.localhost").status != 200, "a worker is not routed")
                let log = try await server.get("/v1/deploys/\(view.traceId)/log").body
                #expect(!log.contains("generated .slipway/Dockerfile"))
                #expect(log.contains("Procfile: web, worker, release"), "\(log)")
                #expect(log.components(separatedBy: "release | migrating for v1").count == 2, "\(log)")

                // Process types scale on their own, without a build.
                let scaled = try await runCLI(["scale", "procs", "worker=2", "web=1", "--server", server.baseURL])
                #expect(scaled.status == 0, "\(scaled.output)")
                #expect(try await server.client.app(try DNSLabel("procs")).services.first { $0.name == "worker" }?.readyReplicas == 2)
            }
        }

        /// A local stand-in for the official python image, which cannot be pulled here: busybox with a
        /// fake `pip` that records its arguments in /app/pip-ran.txt. Built through the engine the
        /// tests use; the tag is fixed, so reruns hit the layer cache.
        static func buildPythonStandIn() async throws -> String {
            try await TestEngine.requireEngine()
            let tag = "localhost/slipway-test/python-stand-in:latest"
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-stand-in-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try "FROM busybox\nCOPY pip /bin/pip\n".write(to: directory.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
            let pip = directory.appendingPathComponent("pip")
            try "#!/bin/sh\necho \"stand-in pip ran: $*\" > /app/pip-ran.txt\n".write(to: pip, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: pip.path)
            let context = directory.appendingPathComponent("context.tar")
            try await run("/usr/bin/tar", ["-cf", context.path, "-C", directory.path, "Dockerfile", "pip"])
            _ = try await TestEngine.docker().buildImage(contextTar: context, tag: tag, onOutput: { _ in })
            return tag
        }
    }
}
