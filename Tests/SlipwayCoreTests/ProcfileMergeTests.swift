import SlipwayCore
import Testing

/// slipway.yaml beside a Procfile: the Procfile's commands, the manifest's settings.
@Suite("Procfile merged into slipway.yaml")
struct ProcfileMergeTests {
    static func merge(yaml: String, procfile: String) throws -> Procfile.Merge {
        try Procfile.parse(procfile).merged(into: try ManifestParser.parseSlipwayYAML(yaml),
                                            routedExplicitly: ManifestParser.servicesSettingRouted(yaml))
    }

    @Test("the manifest sets replicas and health, the Procfile names web, worker and release: all three run")
    func readsBoth() throws {
        let merge = try Self.merge(
            yaml: "services:\n  web:\n    replicas: 2\n    health: {path: /healthz}\n",
            procfile: "web: ./server --port $PORT\nworker: ./jobs\nrelease: ./migrate\n")
        let web = try #require(merge.spec.services.first { $0.name.value == "web" })
        #expect(web.replicas == 2 && web.health?.path == "/healthz" && web.routed)
        #expect(web.command == ["/bin/sh", "-c", "./server --port $PORT"])
        let worker = try #require(merge.spec.services.first { $0.name.value == "worker" })
        #expect(worker.command == ["/bin/sh", "-c", "./jobs"] && worker.replicas == 1 && !worker.routed && worker.dockerfile == "Dockerfile")
        #expect(merge.spec.releaseCommand == ["/bin/sh", "-c", "./migrate"])
        #expect(merge.summary == "Procfile and slipway.yaml: commands of web, worker, release from the Procfile, settings from slipway.yaml")
    }

    @Test("a manifest command and release win over the Procfile's lines, and the summary says so")
    func manifestCommandWins() throws {
        let merge = try Self.merge(
            yaml: "services:\n  web:\n    command: [./other]\nrelease: {command: ./m2}\n",
            procfile: "web: ./server\nrelease: ./migrate\n")
        #expect(merge.spec.services.map(\.command) == [["./other"]])
        #expect(merge.spec.releaseCommand == ["/bin/sh", "-c", "./m2"])
        #expect(merge.summary == "Procfile and slipway.yaml: no command from the Procfile, settings from slipway.yaml; slipway.yaml's services.web.command, release.command used instead of the Procfile's lines")
    }

    @Test("a worker the manifest configures stays unrouted unless it says routed: true; new types build from the shared Dockerfile")
    func routingAndDockerfile() throws {
        let merge = try Self.merge(
            yaml: "services:\n  web: {dockerfile: deploy/Dockerfile}\n  worker: {replicas: 3}\n  admin: {dockerfile: deploy/Dockerfile, routed: true}\n",
            procfile: "worker: ./jobs\nadmin: ./admin\n")
        let byName = Dictionary(uniqueKeysWithValues: merge.spec.services.map { ($0.name.value, $0) })
        #expect(byName["worker"]?.routed == false && byName["worker"]?.replicas == 3)
        #expect(byName["admin"]?.routed == true)
        #expect(byName["web"]?.command == nil && byName["web"]?.routed == true)  // not in the Procfile: the image's CMD

        let shared = try Self.merge(yaml: "services:\n  web: {dockerfile: deploy/Dockerfile}\n", procfile: "clock: ./tick\n")
        #expect(shared.spec.services.first { $0.name.value == "clock" }?.dockerfile == "deploy/Dockerfile")
    }

    @Test("a new process type with several Dockerfiles to choose from fails naming both files and what to do")
    func ambiguousDockerfile() throws {
        let error = #expect(throws: SlipwayError.self) {
            try Self.merge(yaml: "services:\n  web: {dockerfile: a/Dockerfile}\n  api: {dockerfile: b/Dockerfile}\n", procfile: "worker: ./jobs\n")
        }
        let message = error?.description ?? ""
        #expect(message.contains("the Procfile's `worker:` line") && message.contains("slipway.yaml's services build from different Dockerfiles (a/Dockerfile, b/Dockerfile)"), "\(message)")
        #expect(message.contains("add `services.worker` with its `dockerfile:` to slipway.yaml"))
    }
}
