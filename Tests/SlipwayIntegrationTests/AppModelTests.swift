import Commands
import DockerAPI
import Foundation
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Process types, the release phase, one-off commands, start order and volumes, on the real engine.
    @Suite("App model", .serialized)
    struct AppModelTests {
        /// A web service on a volume (busybox httpd; CGI scripts show what it sees), a worker that is
        /// not routed and starts after web, and a release command that appends to the volume, so
        /// the number of lines in /data/migrations.log counts how often the release phase ran.
        static func files(release: String = "echo migrating; echo ran >> /data/migrations.log", webReplicas: Int = 3) -> [String: String] {
            [
                "Dockerfile": "FROM busybox\nCOPY www /www\nRUN chmod +x /www/cgi-bin/*\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
                "www/index.html": "app model",
                // CRLF after the header: the router's HTTP parser refuses bare-LF header lines.
                "www/cgi-bin/migrations": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat /data/migrations.log | wc -l\n",
                "slipway.yaml": """
                    release:
                      command: "\(release)"
                    services:
                      web:
                        port: 8080
                        replicas: \(webReplicas)
                        volumes: {data: /data}
                        rollout: {maxSurge: 1, maxUnavailable: 0}
                      worker:
                        routed: false
                        dependsOn: [web]
                        command: "while true; do sleep 1; done"

                    """,
            ]
        }

        static func migrations(_ server: TestServer, _ app: String) async throws -> Int? {
            let answer = try await server.viaRouter(host: "\(app).localhost", path: "/cgi-bin/migrations")
            return Int(answer.body.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        @Test("the release phase runs once per deploy with 3 replicas; workers are not routed; dependsOn orders the start")
        func releasePhaseAndProcessTypes() async throws {
            let repo = try await GitRepository(files: Self.files())
            defer { repo.remove() }
            try await TestServer.with { server in
                let app = try DNSLabel("modelled")
                let first = try await server.deploy("modelled", source: repo.url)
                try #require(first.status == .completed, "\(first.error ?? "")")
                let log = try await server.get("/v1/deploys/\(first.traceId)/log").body
                #expect(log.components(separatedBy: "release | migrating").count == 2, "exactly one release phase:\n\(log)")
                #expect(try await Self.migrations(server, "modelled") == 1)
                // web (all 3 replicas) is ready before the worker starts.
                let webReady = try #require(log.range(of: "web.3 is ready"), "\(log)")
                let workerStarted = try #require(log.range(of: "Started worker.1"), "\(log)")
                #expect(webReady.lowerBound < workerStarted.lowerBound, "\(log)")
                #expect(log.contains("worker starts after web (dependsOn)"))

                let view = try await server.client.app(app)
                let worker = try #require(view.services.first { $0.name == "worker" })
                #expect(worker.instances.count == 1)
                #expect(worker.readyReplicas == 1, "a running worker counts as ready")
                #expect(worker.instances.first?.hostPort == nil, "a worker publishes no port")
                #expect(view.services.first { $0.name == "web" }?.readyReplicas == 3)
                let workerRoute = try await server.viaRouter(host: "worker.modelled.localhost")
                #expect(workerRoute.status != 200, "a worker is not routed: \(workerRoute.status) \(workerRoute.body)")

                // A second deploy runs the release phase once more, on the same volume.
                try await repo.commit(["www/index.html": "app model 2"], message: "v2")
                try #require(try await server.deploy("modelled", source: repo.url).status == .completed)
                #expect(try await Self.migrations(server, "modelled") == 2)

                // Scaling alone is no release: no release phase; worker=0 stops the type.
                let scale = try await runCLI(["scale", "modelled", "worker=0", "--server", server.baseURL])
                #expect(scale.status == 0, "\(scale.output)")
                #expect(try await server.containers(app: "modelled").count == 3)
                #expect(try await Self.migrations(server, "modelled") == 2)

                // A failing release command stops the deploy before any replica changes.
                let releasesBefore = try await server.client.releases(app: app).releases.count
                let containersBefore = Set(try await server.containers(app: "modelled").map(\.id))
                try await repo.commit(Self.files(release: "echo about to fail; exit 3").filter { $0.key == "slipway.yaml" }, message: "bad release")
                let failed = try await server.deploy("modelled", source: repo.url)
                #expect(failed.status == .error)
                #expect(failed.error?.contains("exited with code 3") == true, "\(failed.error ?? "")")
                #expect(failed.stages.first(where: { $0.name == "run" })?.status == .error)
                #expect(try await server.viaRouter(host: "modelled.localhost").body == "app model 2")
                #expect(Set(try await server.containers(app: "modelled").map(\.id)) == containersBefore, "no replica changed")
                #expect(try await server.client.releases(app: app).releases.count == releasesBefore, "no release left behind")
                let failedLog = try await server.get("/v1/deploys/\(failed.traceId)/log").body
                #expect(failedLog.contains("release | about to fail"))
            }
        }

        @Test("slipway.yaml beside a Procfile: the manifest's replicas and the Procfile's web, worker and release lines all take effect")
        func manifestAndProcfile() async throws {
            let repo = try await GitRepository(files: [
                "Dockerfile": "FROM busybox\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
                "www/index.html": "image CMD",
                "slipway.yaml": "services:\n  web:\n    replicas: 2\n",
                "Procfile": """
                    web: echo "procfile web on $PORT" > /www/web.txt && exec httpd -f -p "$PORT" -h /www
                    worker: while true; do sleep 1; done
                    release: echo procfile release ran

                    """,
            ])
            defer { repo.remove() }
            try await TestServer.with { server in
                let view = try await server.deploy("mixed", source: repo.url)
                try #require(view.status == .completed, "\(view.error ?? "")")
                let log = try await server.get("/v1/deploys/\(view.traceId)/log").body
                #expect(log.contains("Procfile and slipway.yaml: commands of web, worker, release from the Procfile, settings from slipway.yaml"), "\(log)")
                #expect(log.contains("release | procfile release ran"), "the Procfile's release line ran:\n\(log)")
                #expect(try await server.viaRouter(host: "mixed.localhost", path: "/web.txt").body == "procfile web on 8080\n")
                let app = try await server.client.app(try DNSLabel("mixed"))
                #expect(app.services.first { $0.name == "web" }?.readyReplicas == 2, "slipway.yaml's replicas")
                #expect(app.services.first { $0.name == "worker" }?.instances.count == 1, "the Procfile's worker runs")
            }
        }

        /// Ctrl-C on `slipway run` (the CLI ended mid-command, here by SIGTERM): the server notices
        /// the client went away (at its next output line; with `-i`, when the WebSocket closes) and
        /// cancels the run, and the container of a command that would never end is removed.
        static func interruptedRunIsRemoved(_ server: TestServer, app: String, interactive: Bool = false) async throws {
            let arguments = ["run"] + (interactive ? ["-i"] : []) + [app, "--server", server.baseURL, "--", "sh", "-c", "while :; do echo tick; sleep 0.2; done"]
            let cli = try await BackgroundCommand.start(Command(TestServer.binary.path, arguments, environment: cliEnvironment(arguments)))
            let oneOffs = { try await server.containers(app: app).filter { $0.labels["io.slipway.oneoff"] != nil } }
            do {
                try await AddonTests.eventually("the endless one-off runs", within: .seconds(30)) {
                    try await oneOffs().contains { $0.state == "running" }
                }
            } catch {
                await cli.stop(grace: .seconds(2))
                throw error
            }
            await cli.stop(grace: .seconds(2))
            try await AddonTests.eventually("the interrupted one-off's container is removed", within: .seconds(30)) {
                try await oneOffs().isEmpty
            }
        }

        @Test("slipway run streams output, forwards stdin, exits with the command's code, stops on Ctrl-C (with and without -i); volumes outlive destroy unless --volumes")
        func runAndVolumes() async throws {
            let repo = try await GitRepository(files: Self.files(webReplicas: 1))
            defer { repo.remove() }
            try await TestServer.with { server in
                try #require(try await server.deploy("oneoff", source: repo.url).status == .completed)
                let configured = try await server.client.changeConfig(app: try DNSLabel("oneoff"), set: ["GREETING": "hi"], unset: [])
                #expect(try await server.waitForDeploy(configured.traceId).status == .completed)

                let run = try await runCLI(["run", "oneoff", "--server", server.baseURL, "--",
                                      "sh", "-c", "echo out $GREETING $SLIPWAY_RELEASE; echo oops >&2; wc -l < /data/migrations.log; exit 7"])
                #expect(run.status == 7, "\(run.output)")
                #expect(run.output.contains("out hi v2"), "config vars and the current release: \(run.output)")
                #expect(run.output.contains("oops"))
                #expect(run.output.contains("2"), "the volume is mounted: \(run.output)")
                let piped = try await runCLI(["run", "oneoff", "--server", server.baseURL, "--", "sh", "-c", "tr a-z A-Z"],
                                       stdin: Data("shout this\n".utf8))
                #expect(piped.status == 0, "\(piped.output)")
                #expect(piped.output.contains("SHOUT THIS"), "\(piped.output)")
                let missing = try await runCLI(["run", "oneoff", "--server", server.baseURL, "--", "no-such-program"])
                #expect(missing.status != 0)
                try await Self.interruptedRunIsRemoved(server, app: "oneoff")
                try await Self.interruptedRunIsRemoved(server, app: "oneoff", interactive: true)
                #expect(try await server.containers(app: "oneoff").count == 2, "one-off containers are removed: web and worker remain")

                // destroy keeps the volume; a new deploy of the app finds its data again.
                let destroyed = try await runCLI(["destroy", "oneoff", "--server", server.baseURL])
                #expect(destroyed.status == 0, "\(destroyed.output)")
                #expect(destroyed.output.contains("kept 1 volume"), "\(destroyed.output)")
                try #require(try await server.deploy("oneoff", source: repo.url).status == .completed)
                #expect(try await Self.migrations(server, "oneoff") == 3)

                let gone = try await runCLI(["destroy", "oneoff", "--volumes", "--json", "--server", server.baseURL])
                #expect(gone.status == 0, "\(gone.output)")
                let result = try JSONDecoder().decode(DestroyResult.self, from: Data(gone.output.utf8))
                #expect(result.volumesRemoved.count == 1)
                for volume in result.volumesRemoved {
                    let listed = try await runProcess(URL(fileURLWithPath: "/usr/bin/podman"), ["volume", "exists", volume])
                    #expect(listed.status != 0, "volume \(volume) should be gone")
                }
            }
        }
    }
}
