import Foundation
import NIOHTTP1
import SlipwayClient
import SlipwayCore
import Testing

extension Integration {
    /// RAD's API works unchanged: /trigger answers with a trace id at once, /status shows the stages.
    @Suite("RAD compatibility", .serialized)
    struct RADCompatibilityTests {
        @Test("POST /trigger with a RAD config.json repository deploys each application as its own app")
        func triggerPubSub() async throws {
            let repo = try await GitRepository(copying: GitRepository.example("pubsub"))
            defer { repo.remove() }
            try await TestServer.with { server in
                let body = Data(#"{"gitrepo": "\#(repo.url)"}"#.utf8)
                let trigger = try await server.request(.POST, "/trigger", body: body)
                #expect(trigger.status == 202)
                let traceId = trigger.body.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(UUID(uuidString: traceId) != nil, "plain-text trace id expected, got \(trigger.body)")

                // RAD's text lines while and after it runs.
                let view = try await server.waitForDeploy(traceId)
                #expect(view.status == .completed, "\(view.error ?? "")")
                #expect(Set(view.apps) == ["publisher", "subscriber"])
                for query in ["traceId", "TRACE_ID"] {
                    let status = try await server.get("/status?\(query)=\(traceId)")
                    #expect(status.status == 200)
                    #expect(status.body.contains("[COMPLETED]: build docker image"), "\(status.body)")
                    #expect(status.body.contains("[COMPLETED]: clone git repository"))
                    #expect(status.body.contains("total time:"))
                }
                let json = try await server.get("/status?traceId=\(traceId)", headers: ["Accept": "application/json"])
                #expect(json.headers.first(name: "Content-Type")?.contains("application/json") == true)
                #expect(json.body.contains("\"status\":\"COMPLETED\""))
                #expect(json.body.contains("\"totalSeconds\""))

                #expect(try await server.viaRouter(host: "publisher.localhost").body.contains("publisher"))
                #expect(try await server.viaRouter(host: "subscriber.localhost").body.contains("subscriber"))
                let publisher = try await server.client.app(try DNSLabel("publisher"))
                #expect(publisher.services.first?.replicas == 2)
                #expect(publisher.services.first?.readyReplicas == 2)
            }
        }

        @Test("/trigger answers JSON with Accept: application/json; a failing deploy shows [ERROR] in /status")
        func triggerJSONAndError() async throws {
            let repo = try await GitRepository(files: ["Dockerfile": "FROM busybox\nRUN exit 1\n"])
            defer { repo.remove() }
            try await TestServer.with { server in
                let answer = try await server.request(.POST, "/trigger", body: Data(#"{"gitrepo": "\#(repo.url)"}"#.utf8),
                                                      headers: ["Accept": "application/json", "Content-Type": "application/json"])
                #expect(answer.status == 202)
                let trace = try JSONDecoder().decode(TraceResponse.self, from: Data(answer.body.utf8))
                let view = try await server.waitForDeploy(trace.traceId)
                #expect(view.status == .error)
                // The app name came from the repository's directory name.
                #expect(view.app == DNSLabel.sanitized(repo.directory.lastPathComponent)?.value)
                let status = try await server.get("/status?traceId=\(trace.traceId)")
                #expect(status.body.contains("[ERROR]: build docker image"), "\(status.body)")
                #expect(status.body.contains("status: ERROR"))

                let missing = try await server.get("/status?traceId=nope")
                #expect(missing.status == 404)
                #expect(missing.body.contains("\"error\""))
                let bad = try await server.request(.POST, "/trigger", body: Data(#"{"gitrepo": "ext::sh -c id"}"#.utf8))
                #expect(bad.status == 400)
            }
        }
    }
}
