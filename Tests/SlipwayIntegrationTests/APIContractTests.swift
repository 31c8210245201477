import Commands
import Foundation
import NIOHTTP1
import SlipwayCore
import Testing
import Yams

extension Integration {
    /// The API as documented: auth, error shapes, and the OpenAPI description kept in the repository.
    @Suite("API contract", .serialized)
    struct APIContractTests {
        @Test("unknown endpoints and apps answer JSON errors")
        func errorShapes() async throws {
            try await TestServer.with { server in
                let unknown = try await server.get("/v1/nothing")
                #expect(unknown.status == 404)
                #expect(unknown.body.contains("\"error\":{"))
                let app = try await server.get("/v1/apps/nope")
                #expect(app.status == 404)
                #expect(app.body.contains("\"code\":\"not_found\""))
                let badName = try await server.get("/v1/apps/No_Way")
                #expect(badName.status == 400)
                #expect(badName.body.contains("DNS") || badName.body.contains("lowercase"))
            }
        }

        /// Every path and method in openapi.yaml exists on the server and answers one of its documented
        /// statuses; required fields of the documented JSON answers are present.
        @Test("openapi.yaml describes the implementation")
        func openAPIMatchesImplementation() async throws {
            let repo = try await GitRepository(files: GitRepository.helloFiles(page: "documented", replicas: 1))
            defer { repo.remove() }
            try await TestServer.with { server in
                let served = try await server.get("/openapi.yaml")
                #expect(served.status == 200)
                let spec = try #require(try Yams.load(yaml: served.body) as? [String: Any])
                #expect(spec["openapi"] as? String == "3.1.0")
                let paths = try #require(spec["paths"] as? [String: [String: Any]])

                let deploy = try await server.deploy("documented", source: repo.url)
                try #require(deploy.status == .completed)
                let values = ["app": "documented", "traceId": deploy.traceId]
                var checked = 0
                for (template, operations) in paths.sorted(by: { $0.key < $1.key }) {
                    var path = template
                    for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
                    for method in ["get", "post", "patch", "delete"] {
                        guard let operation = operations[method] as? [String: Any],
                              let responses = operation["responses"] as? [String: Any] else { continue }
                        if method == "delete" { continue }  // destroy is covered by its own test; keep the app for the rest
                        let answer: TestServer.Answer
                        switch (method, template) {
                        case ("post", "/trigger"):
                            answer = try await server.request(.POST, path, body: Data(#"{"gitrepo": "\#(repo.url)"}"#.utf8))
                        case ("patch", _):
                            answer = try await server.request(.PATCH, path, body: Data(#"{"set": {"CONTRACT_CHECK": "yes"}}"#.utf8))
                        case ("post", _):
                            answer = try await server.request(.POST, path, body: Data(#"{"source": "\#(repo.url)"}"#.utf8))
                        default:
                            answer = try await server.get(path.contains("/status") ? path + "?traceId=\(deploy.traceId)" : path)
                        }
                        #expect(responses.keys.contains(String(answer.status)),
                                "\(method.uppercased()) \(path) answered \(answer.status), documented: \(responses.keys.sorted())")
                        checked += 1
                        try checkRequiredFields(spec: spec, operation: operation, status: answer.status, body: answer.body,
                                                context: "\(method.uppercased()) \(template)")
                    }
                }
                #expect(checked >= 10)
                // Let the deploys this test queued finish before the server is cleaned up.
                for _ in 0..<300 {
                    let recent = try await server.get("/v1/apps/documented/deploys")
                    if !recent.body.contains("IN PROGRESS") { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }

        /// Checks that a JSON answer carries the `required` fields of its documented schema (one level, plus $ref).
        func checkRequiredFields(spec: [String: Any], operation: [String: Any], status: Int, body: String, context: String) throws {
            guard let responses = operation["responses"] as? [String: Any],
                  let response = responses[String(status)] as? [String: Any],
                  let content = response["content"] as? [String: Any],
                  let json = content["application/json"] as? [String: Any],
                  let schemaRef = json["schema"] as? [String: Any],
                  body.hasPrefix("{"),
                  let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return }
            let schema = resolve(schemaRef, in: spec)
            for field in schema["required"] as? [String] ?? [] {
                #expect(object[field] != nil, "\(context): answer lacks required field `\(field)`: \(body.prefix(300))")
            }
        }

        func resolve(_ schema: [String: Any], in spec: [String: Any]) -> [String: Any] {
            guard let ref = schema["$ref"] as? String else { return schema }
            let name = ref.split(separator: "/").last.map(String.init) ?? ""
            let components = spec["components"] as? [String: Any]
            return (components?["schemas"] as? [String: Any])?[name] as? [String: Any] ?? [:]
        }
    }
}
