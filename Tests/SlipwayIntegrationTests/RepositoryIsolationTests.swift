import DockerAPI
import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// Issue 14, "a deploy reads only what it was given": a repository cannot take over another
    /// app, nor pass its image off as Slipway's. Each attack ends in ERROR with a reason, and the
    /// victim keeps serving its release with the same containers.
    @Suite("Repository isolation", .serialized)
    struct RepositoryIsolationTests {
        /// A victim app serving "victim" from its own repository, then `attack`, then: the victim
        /// still serves v1 from the same containers and the attacker's app has no release.
        func expectVictimUntouched(_ server: TestServer, attack: (TestServer, String, GitRepository) async throws -> Void) async throws {
            let victim = "victim-\(UUID().uuidString.prefix(6).lowercased())"
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "victim", replicas: 1, name: victim))
            defer { repo.remove() }
            let good = try await server.deploy(victim, source: repo.url)
            try #require(good.status == .completed, "\(good.error ?? "")")
            let before = Set(try await server.containers(app: victim).map(\.id))

            try await attack(server, victim, repo)

            #expect(try await server.viaRouter(host: "\(victim).localhost").body == "victim")
            #expect(Set(try await server.containers(app: victim).map(\.id)) == before, "the victim's containers changed")
            #expect(try await server.client.releases(app: try DNSLabel(victim)).releases.map(\.version) == [1])
        }

        static func expectRefused(_ view: DeployView, stage: String, _ message: String) {
            #expect(view.status == .error)
            #expect(view.stages.first { $0.status == .error }?.name == stage, "\(view.stages)")
            #expect((view.error ?? "").contains(message), "error was: \(view.error ?? "nil")")
        }

        @Test("attack: a slipway.yaml `name:` or a config.json naming another app is refused")
        func manifestNamingAnotherApp() async throws {
            try await TestServer.with { server in
                try await expectVictimUntouched(server) { server, victim, _ in
                    let attacker = "attacker-\(UUID().uuidString.prefix(6).lowercased())"
                    let yaml = try await GitRepository(files: GitRepository.helloFiles(page: "pwned", replicas: 1, name: victim))
                    defer { yaml.remove() }
                    Self.expectRefused(try await server.deploy(attacker, source: yaml.url), stage: "config",
                                       "slipway.yaml's `name:` names the app \(victim), but this deploy is for \(attacker)")
                    var files = GitRepository.helloFiles(page: "pwned")
                    files["slipway.yaml"] = nil
                    files["config.json"] = #"{"applications": [{"application_name": "\#(victim)", "dockerfile": "Dockerfile", "port": 8080}]}"#
                    let json = try await GitRepository(files: files)
                    defer { json.remove() }
                    Self.expectRefused(try await server.deploy(attacker, source: json.url), stage: "config",
                                       "config.json's application_name names the app \(victim)")
                    #expect(try await server.containers(app: attacker).isEmpty)
                    #expect((try? await server.client.app(try DNSLabel(attacker))) == nil, "no app was created")
                }
            }
        }

        @Test("attack: RAD's /trigger with a repository naming an app it did not create is refused; its own app deploys")
        func triggerNamingAnAppOfAnotherRepository() async throws {
            try await TestServer.with { server in
                try await expectVictimUntouched(server) { server, victim, _ in
                    var files = GitRepository.helloFiles(page: "pwned")
                    files["slipway.yaml"] = nil
                    files["config.json"] = #"{"applications": [{"application_name": "\#(victim)", "dockerfile": "Dockerfile", "port": 8080}]}"#
                    let evil = try await GitRepository(files: files)
                    defer { evil.remove() }
                    let trigger = try await server.request(.POST, "/trigger", body: Data(#"{"gitrepo": "\#(evil.url)"}"#.utf8),
                                                           headers: ["Content-Type": "application/json", "Accept": "application/json"])
                    #expect(trigger.status == 202, "\(trigger.body)")
                    let traceId = try JSONDecoder().decode(TraceResponse.self, from: Data(trigger.body.utf8)).traceId
                    Self.expectRefused(try await server.waitForDeploy(traceId), stage: "config",
                                       "names the app \(victim), which exists and was not created from this repository")
                }
                // The repository that created an app may /trigger it again (credentials and `.git` aside).
                let owner = "owned-\(UUID().uuidString.prefix(6).lowercased())"
                let repo = try await GitRepository(files: GitRepository.helloFiles(page: "one", replicas: 1, name: owner))
                defer { repo.remove() }
                #expect(try await server.deploy(owner, source: repo.url).status == .completed)
                try await repo.commit(["www/index.html": "two"], message: "two")
                let again = try await server.request(.POST, "/trigger", body: Data(#"{"gitrepo": "\#(repo.url)/"}"#.utf8),
                                                     headers: ["Content-Type": "application/json", "Accept": "application/json"])
                let traceId = try JSONDecoder().decode(TraceResponse.self, from: Data(again.body.utf8)).traceId
                let view = try await server.waitForDeploy(traceId)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(try await server.viaRouter(host: "\(owner).localhost").body == "two")
            }
        }

        @Test("attack: an image LABEL setting Slipway's own labels fails the build and leaves no image")
        func imageLabelsPosingAsSlipways() async throws {
            try await TestServer.with { server in
                try await expectVictimUntouched(server) { server, victim, repo in
                    for label in ["io.slipway.oneoff=1", "app.kubernetes.io/managed-by=someone-else"] {
                        try await repo.commit(["Dockerfile": "FROM busybox\nCOPY www /www\nLABEL \(label)\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"],
                                        message: "label")
                        let view = try await server.deploy(victim, source: repo.url)
                        Self.expectRefused(view, stage: "build", "the image sets \(label.split(separator: "=")[0])")
                        let tag = "localhost/slipway/\(victim)-web:\(view.traceId.prefix(12))"
                        #expect(try await TestEngine.docker().inspectImage(tag) == nil, "the refused image \(tag) was left behind")
                    }
                }
            }
        }
    }
}
