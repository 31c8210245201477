import Foundation
import SlipwayClient
import SlipwayCore
import SlipwayTestSupport
import Testing

extension Integration {
    /// `slipway destroy` removes the app's images. A source deployed twice builds one image (the
    /// layer cache) with two tags, which the engine does not remove by its id: such tags were left
    /// behind (a run of 100 apps found them), filling the engine.
    @Suite("Image clean-up", .serialized)
    struct ImageCleanupTests {
        /// The tags on the engine of `app`'s builds (`localhost/slipway/APP-SERVICE:TRACE`).
        static func tags(of app: String) async throws -> [String] {
            let listed = try await runProcess(URL(fileURLWithPath: "/usr/bin/curl"),
                                              ["-sf", "--unix-socket", TestEngine.socketPath, "http://d/v1.41/images/json"])
            guard listed.status == 0 else { throw TestFailure("image listing: \(listed.output)") }
            let images = try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]] ?? []
            return images.flatMap { $0["RepoTags"] as? [String] ?? [] }.filter { $0.hasPrefix("localhost/slipway/\(app)-web:") }
        }

        @Test("destroy removes every tag of the app's builds, also of a build deployed twice")
        func destroyRemovesEveryTag() async throws {
            let app = "imgs\(UUID().uuidString.lowercased().prefix(6))"
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "one \(app)", replicas: 1))
            defer { repo.remove() }
            try await TestServer.with { server in
                #expect(try await server.deploy(app, source: repo.url).status == .completed)
                #expect(try await server.deploy(app, source: repo.url).status == .completed)
                try await repo.commit(["www/index.html": "two \(app)"], message: "two")
                #expect(try await server.deploy(app, source: repo.url).status == .completed)
                let before = try await Self.tags(of: app)
                #expect(before.count == 3, "three builds, three tags (two on one cached image): \(before)")

                _ = try await server.client.destroy(app: try DNSLabel(app))
                #expect(try await Self.tags(of: app) == [], "tags left after destroy")
            }
        }
    }
}
