import Foundation
import HTTPTypes
import SlipwayCore
import SlipwayServer
import SlipwayTestSupport
import Testing

/// Releases made without a build: rollback, config vars, config files, scale. Each is a deploy
/// whose fetch, config and build stages are SKIPPED, rolled out like any other.
@Suite("Rollback and config-change releases")
struct ReleaseChangeTests {
    @Test("rollback makes a new release from the one before, with its images, without a build")
    func rollback() async throws {
        try await InProcessServer.with { server in
            let v1 = try await server.deploy("demo")
            _ = try await server.deploy("demo")
            let deploy = try await server.change(.post, "/v1/apps/demo/rollback", body: nil)
            #expect(deploy.status == .completed)
            #expect(deploy.release == 3)
            #expect(deploy.stages.prefix(3).allSatisfy { $0.status == .skipped && $0.message == "rollback: reusing v1" }, "\(deploy.stages)")
            #expect(deploy.stages.suffix(3).allSatisfy { $0.status == .completed })
            let releases = try await server.get("/v1/apps/demo/releases").decode(ReleaseList.self).releases
            #expect(releases.map(\.version) == [3, 2, 1])
            #expect(releases.first?.current == true)
            #expect(releases[0].services.map(\.image) == releases[2].services.map(\.image))
            #expect(releases[0].services.first?.image.contains(v1.traceId.prefix(8)) == true)
            let calls = await server.engine.calls
            #expect(Array(calls.suffix(2)) == ["run demo v3", "commit demo v3"])
            #expect(calls.filter { $0.hasPrefix("build") }.count == 2, "a rollback built: \(calls)")
            let replicas = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
            #expect(replicas.map(\.release) == [3])
        }
    }

    @Test("rollback to a named release, and the errors: already current (409), unknown (404), none before (409)")
    func rollbackTargets() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo")
            let nothingBefore = try await server.request(.post, "/v1/apps/demo/rollback", body: "{}")
            #expect(nothingBefore.status == 409)
            #expect(nothingBefore.errorMessage?.contains("no release before v1") == true)
            _ = try await server.deploy("demo")
            let current = try await server.request(.post, "/v1/apps/demo/rollback", body: #"{"to": 2}"#)
            #expect(current.status == 409)
            #expect(current.errorCode == "conflict")
            let unknown = try await server.request(.post, "/v1/apps/demo/rollback", body: #"{"to": 9}"#)
            #expect(unknown.status == 404)
            #expect(unknown.errorMessage?.contains("v9") == true)
            let deploys = try await server.get("/v1/apps/demo/deploys").decode([String: [DeployView]].self)["deploys"] ?? []
            #expect(deploys.count == 2, "a refused rollback was queued")
            #expect(try await server.change(.post, "/v1/apps/demo/rollback", body: #"{"to": 1}"#).release == 3)
        }
    }

    @Test("a rollback to a release whose images were pruned fails at the release stage and changes nothing")
    func rollbackToPrunedImages() async throws {
        try await InProcessServer.with(configure: { $0.keepReleases = 1 }) { server in
            _ = try await server.deploy("demo")
            _ = try await server.deploy("demo")
            let deploy = try await server.change(.post, "/v1/apps/demo/rollback", body: #"{"to": 1}"#)
            #expect(deploy.status == .error)
            let release = try #require(deploy.stages.first { $0.name == "release" })
            #expect(release.status == .error)
            #expect(release.message?.contains("were pruned") == true, "\(release.message ?? "")")
            #expect(try await server.get("/v1/apps/demo").decode(AppView.self).currentRelease == 2)
            #expect(try await server.get("/v1/apps/demo/releases").decode(ReleaseList.self).releases.map(\.version) == [2, 1])
        }
    }

    @Test("config vars: set makes a release that runs with them, a source deploy keeps them, unset removes them")
    func configVars() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo", files: SourceTree.withRelease)
            let set = try await server.change(.patch, "/v1/apps/demo/config", body: #"{"set": {"GREETING": "hi", "TOKEN": "s3cret"}, "secret": ["TOKEN"]}"#)
            #expect(set.status == .completed)
            #expect(set.stages.prefix(3).allSatisfy { $0.status == .skipped })
            var config = try await server.get("/v1/apps/demo/config").decode(ConfigView.self)
            #expect(config.release == 2)
            #expect(config.config["GREETING"] == "hi")
            #expect(config.config["TOKEN"] != "s3cret" && config.secretKeys == ["TOKEN"], "a secret value is shown")
            #expect(server.engine.current("demo")?.config?["GREETING"] == "hi")
            #expect(await server.engine.calls.contains("release demo v2"), "a config change runs the release phase")

            #expect(try await server.deploy("demo", files: SourceTree.withRelease).release == 3)
            config = try await server.get("/v1/apps/demo/config").decode(ConfigView.self)
            #expect(config.config["GREETING"] == "hi", "a new build dropped the config vars")

            _ = try await server.change(.patch, "/v1/apps/demo/config", body: #"{"unset": ["GREETING"]}"#)
            config = try await server.get("/v1/apps/demo/config").decode(ConfigView.self)
            #expect(config.release == 4 && config.config["GREETING"] == nil)
        }
    }

    @Test("config files: a deploy of new source keeps them (the README says they are kept across deploys)")
    func configFilesSurviveABuild() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo", files: SourceTree.withRelease)
            let set = try await server.change(.put, "/v1/apps/demo/files", body: #"{"mount": "/etc/app", "files": {"app.conf": "c2V0dGluZz1vbmUK"}}"#)
            #expect(set.status == .completed)
            #expect(try await server.deploy("demo", files: SourceTree.withRelease).release == 3)
            let files = try await server.get("/v1/apps/demo/files").decode(ConfigFilesView.self)
            #expect(files.release == 3 && files.mounts["/etc/app"]?.map(\.name) == ["app.conf"], "a new build dropped the config files: \(files)")
            #expect(server.engine.current("demo")?.files?["/etc/app"]?["app.conf"] == Data("setting=one\n".utf8))
        }
    }

    @Test("a bad config change is refused with 400 and queues nothing")
    func badConfigChange() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo")
            for body in [#"{"set": {"1BAD": "x"}}"#, #"{"set": {"A": "x"}, "secret": ["B"]}"#, #"{"set": 5}"#, "not json"] {
                let answer = try await server.request(.patch, "/v1/apps/demo/config", body: body)
                #expect(answer.status == 400, "\(body): \(answer.status) \(answer.body)")
                #expect(answer.errorCode != nil && !(answer.errorMessage ?? "").isEmpty)
            }
            let deploys = try await server.get("/v1/apps/demo/deploys").decode([String: [DeployView]].self)["deploys"] ?? []
            #expect(deploys.count == 1)
            #expect(try await server.get("/v1/apps/demo").decode(AppView.self).currentRelease == 1)
        }
    }

    @Test("scale changes the replicas per service and runs no release phase")
    func scale() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo", files: SourceTree.withRelease)
            let deploy = try await server.change(.post, "/v1/apps/demo/scale", body: #"{"web": 3, "worker": 0}"#)
            #expect(deploy.status == .completed)
            let replicas = try await server.get("/v1/apps/demo/replicas").decode(ReplicaList.self).replicas
            #expect(replicas.filter { $0.service == "web" }.count == 3)
            #expect(replicas.filter { $0.service == "worker" }.isEmpty)
            #expect(!(await server.engine.calls.contains("release demo v2")), "scaling ran the release command")
            let refused = try await server.request(.post, "/v1/apps/demo/scale", body: #"{"db": 1}"#)
            #expect(refused.status == 400 && refused.errorMessage?.contains("no service db") == true)
        }
    }

    @Test("config files: put mounts them in a new release, delete removes them")
    func configFiles() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("demo")
            let put = try await server.change(.put, "/v1/apps/demo/files", body: #"{"mount": "/etc/demo", "files": {"app.conf": "aGk="}}"#)
            #expect(put.status == .completed)
            let files = try await server.get("/v1/apps/demo/files")
            #expect(files.body.contains("app.conf"), "\(files.body)")
            #expect(server.engine.current("demo")?.files?["/etc/demo"]?["app.conf"] == Data("hi".utf8))
            let removed = try await server.change(.delete, "/v1/apps/demo/files?mount=/etc/demo", body: nil)
            #expect(removed.status == .completed)
            #expect(server.engine.current("demo")?.files?["/etc/demo"] == nil)
            let missing = try await server.request(.delete, "/v1/apps/demo/files?mount=/etc/demo")
            #expect(missing.status == 404)
        }
    }
}
